import {readFile} from 'node:fs/promises'
import type {Ctx} from '../context.js'
import {InputError, Mk8sError} from '../errors.js'
import type {Parsed} from './kinds.js'
import {manifestKinds} from './registry.js'
import {program} from '../pipeline/index.js'

export async function readManifest(file: string): Promise<{text: string; source: string}> {
  if (file === '-') {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return {text: Buffer.concat(chunks).toString('utf8'), source: 'stdin'}
  }
  try {
    return {text: await readFile(file, 'utf8'), source: file}
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
}

/**
 * Delete each object in file order, Namespaces last (deleting one deletes what is in it), going on
 * past a missing one (reported, and exit 1 unless ignored).
 */
export async function deleteAll(ctx: Ctx, objs: Parsed[], ignoreNotFound: boolean) {
  const out: Array<{kind: string; namespace: string; name: string; result: string; error?: boolean}> = []
  for (const o of [...objs.filter((x) => x.kind !== 'Namespace'), ...objs.filter((x) => x.kind === 'Namespace')]) {
    try {
      out.push({kind: o.kind, namespace: o.namespace, name: o.name, result: await manifestKinds.get(o.kind)!.delete(ctx, o.namespace, o.name, {program: false})})
    } catch (error) {
      if (!(error instanceof Mk8sError) || !/not found/.test(error.message)) throw error
      out.push({kind: o.kind, namespace: o.namespace, name: o.name, result: `${o.kind.toLowerCase()} "${o.name}" not found`, error: !ignoreNotFound})
    }
  }
  await program(ctx)
  return out
}
