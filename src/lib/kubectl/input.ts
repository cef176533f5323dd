/**
 * kubectl's resource builder for apply and delete: `-f` repeated, `-f DIR` (its .yaml, .yml and
 * .json files, in name order; `-R` into subfolders), `-f -` (stdin, once), and `-k DIR` with a plain
 * kustomization (a `resources` list of files and folders). Anything a kustomization would
 * transform is refused rather than ignored.
 */
import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import YAML from 'yaml'
import {InputError} from '../errors.js'
import type {Parsed} from '../manifest/kinds.js'
import {readManifest} from '../manifest/read.js'

export interface Source {
  text: string
  source: string
}

const MANIFEST = /\.(ya?ml|json)$/i

async function kindOf(path: string): Promise<'dir' | 'file'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file'
  } catch (error) {
    throw new InputError(`the path "${path}" does not exist`, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'give a file, a folder or - for stdin' : (error as Error).message)
  }
}

/** The manifest files of a folder, in name order; subfolders too with -R. */
async function filesIn(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, {withFileTypes: true})).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const out: string[] = []
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      if (recursive) out.push(...(await filesIn(p, true)))
    } else if (MANIFEST.test(e.name) && !/^kustomization\./i.test(e.name)) out.push(p)
  }
  return out
}

/** Every -f, in the order given. */
export async function collectFiles(files: readonly string[], recursive: boolean): Promise<Source[]> {
  if (files.filter((f) => f === '-').length > 1) throw new InputError('-f - (stdin) can be given once')
  const out: Source[] = []
  for (const f of files) {
    if (f === '-') {
      out.push(await readManifest('-'))
      continue
    }
    if ((await kindOf(f)) === 'file') {
      out.push(await readManifest(f))
      continue
    }
    const inDir = await filesIn(f, recursive)
    if (!inDir.length) throw new InputError(`error reading ${f}: no .yaml, .yml or .json files in it${recursive ? '' : ' (-R goes into subfolders)'}`)
    for (const p of inDir) out.push(await readManifest(p))
  }
  return out
}

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']

/** A plain kustomization's resources, in its order; a folder among them is read as a kustomization too. */
export async function collectKustomization(dir: string, seen: Set<string> = new Set()): Promise<Source[]> {
  if ((await kindOf(dir)) !== 'dir') throw new InputError(`-k takes a folder with a kustomization.yaml: ${dir} is a file`, `use -f ${dir}`)
  let file: string | undefined
  for (const name of KUSTOMIZATION) {
    try {
      await stat(join(dir, name))
      file = join(dir, name)
      break
    } catch {
      // try the next name
    }
  }
  if (!file) throw new InputError(`unable to find one of ${KUSTOMIZATION.map((n) => `'${n}'`).join(', ')} in directory '${dir}'`, `use -f ${dir} for a folder of manifests`)
  if (seen.has(file)) throw new InputError(`${file}: a kustomization includes itself`)
  seen.add(file)
  let doc: unknown
  try {
    doc = YAML.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new InputError(`${file}: malformed YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  const k = (doc ?? {}) as Record<string, unknown>
  const other = Object.keys(k).filter((key) => !['apiVersion', 'kind', 'resources'].includes(key))
  if (other.length) throw new InputError(`${file}: mk8s reads a plain kustomization only (apiVersion, kind, resources); it does not do ${other.join(', ')}`, `render it first: kubectl kustomize ${dir} | mk8s apply -f -`)
  if (!Array.isArray(k.resources) || k.resources.some((r) => typeof r !== 'string')) throw new InputError(`${file}: resources must be a list of files and folders`)
  const out: Source[] = []
  for (const r of k.resources as string[]) {
    if (/^[a-z]+:\/\//i.test(r) || r.startsWith('github.com/')) throw new InputError(`${file}: remote resource ${r} is not fetched by mk8s`, 'download it, and list the file instead')
    const p = join(dir, r)
    if ((await kindOf(p)) === 'dir') out.push(...(await collectKustomization(p, seen)))
    else out.push(await readManifest(p))
  }
  return out
}

/**
 * An explicit -n refuses objects whose metadata.namespace is another one, as kubectl does (the
 * objects parsed with -n as their default, so any other namespace came from the file).
 */
export function checkNamespace(objs: readonly Parsed[], explicit: string | undefined): void {
  if (explicit === undefined) return
  const other = objs.find((o) => o.namespace !== explicit && o.kind !== 'Node')
  if (other) throw new InputError(`the namespace from the provided object "${other.namespace}" does not match the namespace "${explicit}". You must pass '--namespace=${other.namespace}' to perform this operation.`, `${other.kind} ${other.name} says metadata.namespace: ${other.namespace}`)
}

/** Whether -n/--namespace was given on the command line (it has a default otherwise). */
export const namespaceGiven = (argv: readonly string[]): boolean =>
  argv.some((a) => a === '-n' || a === '--namespace' || a.startsWith('--namespace=') || (a.startsWith('-n') && !a.startsWith('--') && a.length > 2))

/** The objects of the sources as they were written, for --dry-run=client -o yaml|json. */
export function rawObjects(sources: readonly Source[]): unknown[] {
  const out: unknown[] = []
  for (const s of sources)
    for (const d of YAML.parseAllDocuments(s.text)) {
      const o = d.toJS() as {kind?: string; items?: unknown[]} | null
      if (o && o.kind === 'List' && Array.isArray(o.items)) out.push(...o.items)
      else if (o) out.push(o)
    }
  return out
}
