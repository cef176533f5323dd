import YAML from 'yaml'
import {InputError} from '../errors.js'
import {validateName} from '../util/names.js'
import type {Parsed} from './kinds.js'
import {manifestKinds} from './registry.js'
import {program} from '../pipeline/index.js'
import {checkFields, type ValidateMode} from './fields.js'
import {kindFields} from './supported.js'

export interface ParseOptions {
  /** strict (the default): a field mk8s would not act on is exit 2; warn: left out, one warning each; ignore: left out */
  validate?: ValidateMode
  warn?: (line: string) => void
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Parse multi-document YAML (or JSON) into validated objects. Every document is checked before
 * anything is applied: malformed YAML, unknown kinds and invalid objects are exit 2.
 */
export function parseManifests(text: string, source: string, defaultNamespace: string, opts: ParseOptions = {}): Parsed[] {
  const docs = YAML.parseAllDocuments(text, {prettyErrors: true})
  const out: Parsed[] = []
  const add = (obj: unknown, where: string) => {
    if (obj === null || obj === undefined) return
    if (!isObj(obj)) throw new InputError(`${where}: expected a Kubernetes object (a mapping with apiVersion and kind)`)
    const kind = obj.kind
    if (kind === 'List' && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => add(item, `${where} items[${i}]`))
      return
    }
    if (typeof kind !== 'string' || typeof obj.apiVersion !== 'string') throw new InputError(`${where}: apiVersion and kind are required`)
    const handler = manifestKinds.get(kind)
    if (!handler) throw new InputError(`${where}: kind ${kind} is not supported`, `mk8s applies ${[...manifestKinds.keys()].join(', ')}`)
    if (!handler.apiVersions.includes(obj.apiVersion)) throw new InputError(`${where}: ${kind} must have apiVersion ${handler.apiVersions.join(' or ')}, not ${obj.apiVersion}`)
    const meta = isObj(obj.metadata) ? obj.metadata : {}
    if (typeof meta.name !== 'string') throw new InputError(`${where}: metadata.name is required`)
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace
    validateName('namespace', namespace)
    const label = kind === 'Namespace' || kind === 'IngressClass' ? `${kind} ${meta.name} (${where})` : `${kind} ${namespace}/${meta.name} (${where})`
    const tree = kindFields[kind]
    const doc = tree ? checkFields(tree, obj, label, opts.validate ?? 'strict', opts.warn ?? (() => {})) : obj
    out.push(handler.parse(doc, namespace, label))
  }
  docs.forEach((doc, i) => {
    const where = `${source} document ${i + 1}`
    if (doc.errors.length) {
      const e = doc.errors[0]
      const pos = e.linePos?.[0]
      throw new InputError(`${source}: malformed YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]}`, 'fix the file; nothing was applied')
    }
    let obj: unknown
    try {
      obj = doc.toJS() // an alias without its anchor ("*x") fails only here
    } catch (error) {
      throw new InputError(`${where}: malformed YAML: ${(error as Error).message.split('\n')[0]}`, 'fix the file; nothing was applied')
    }
    add(obj, where)
  })
  if (out.length === 0) throw new InputError(`${source} holds no objects`)
  return out
}

/**
 * Apply a batch: objects that only change the state first (each kind in one state change where it
 * can), then workloads; the hosts are programmed once at the end (a workload's pods program what
 * came before them on the way). A thousand Services cost one state write and one script per node.
 */
export async function applyAll(ctx: import('../context.js').Ctx, objs: Parsed[]): Promise<string[]> {
  const lines: string[] = new Array(objs.length)
  const byKind = new Map<string, number[]>()
  objs.forEach((o, i) => byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), i]))
  const {InterruptedError, safePoint} = await import('../interrupt.js')
  try {
    for (const stage of ['config', 'workload'] as const) {
      for (const [kind, idx] of byKind) {
        const h = manifestKinds.get(kind)!
        if (h.stage !== stage) continue
        if (h.applyMany) {
          const out = await h.applyMany(ctx, idx.map((i) => objs[i]), {program: false})
          idx.forEach((i, j) => (lines[i] = out[j]))
        } else {
          for (const i of idx) {
            lines[i] = await h.apply(ctx, objs[i], {program: stage === 'workload'})
            safePoint(`applied ${kind} ${objs[i].name}`)
          }
        }
      }
    }
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error
    // stopped between objects: the nodes get what was applied, the rest is not
    await program(ctx)
    const name = (o: Parsed) => `${o.kind.toLowerCase()}/${o.name}`
    const left = objs.filter((_, i) => lines[i] === undefined)
    throw new InterruptedError(error.signal, `applied ${objs.length - left.length} of ${objs.length} object(s)${left.length ? `; not applied: ${left.map(name).join(', ')}` : ''}${error.message.includes(': ') ? ` (${error.message.slice(error.message.indexOf(': ') + 2)})` : ''}`)
  }
  await program(ctx)
  return lines
}
