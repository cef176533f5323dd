import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, normalize, relative} from 'node:path'
import {describe, expect, it} from 'vitest'

/**
 * The layers of mk8s by kind, lowest first (docs/13-pipeline.md). A file may import its own layer
 * and those below it, never one above: the road from a command to a host goes down only.
 */
const LAYERS = ['model', 'plan', 'host', 'observe', 'pipeline', 'area', 'command'] as const
type Layer = (typeof LAYERS)[number]

/** The kind of a file under src/, by its place and name; what no rule names is an area's service code. */
export function layerOf(path: string): Layer {
  const r = relative('src/lib', path)
  const base = r.split('/').pop()!
  const dir = r.split('/')[0]
  if (path.startsWith('src/commands/') || path.startsWith('src/hooks/') || ['cli', 'kubectl', 'demo', 'graph'].includes(dir) || base === 'render.ts') return 'command'
  if (dir === 'pipeline' && base !== 'types.ts') return 'pipeline'
  // host observation: the readers and parsers that trace, doctor and tests share, and what judges them
  if (((dir === 'trace' || dir === 'doctor') && !['service.ts', 'probe.ts'].includes(base)) || ['netpol/observe.ts', 'pod/leases.ts', 'firewall/detect.ts'].includes(r)) return 'observe'
  // the model: the state's shapes, kinds' specs, names, defaults, and pure functions of the state
  if (['errors.ts', 'state/schema.ts', 'host/plan.ts', 'host/quote.ts', 'host/files.ts', 'pipeline/types.ts', 'cluster/model.ts', 'svc/fragment.ts', 'svc/endpoints.ts', 'ingress/classes.ts', 'netpol/select.ts', 'netpol/explain.ts', 'manifest/fields.ts', 'lab/config.ts'].includes(r)) return 'model'
  if (dir === 'util' || ['model.ts', 'spec.ts', 'names.ts', 'defaults.ts'].includes(base)) return 'model'
  // the areas' pure planners: state in, steps out
  if (['plan.ts', 'node.ts'].includes(base) || base.endsWith('.plan.ts')) return 'plan'
  if (['svc/sync.ts', 'svc/lb.ts', 'dns/records.ts', 'dns/resolv.ts', 'ingress/nginx.ts', 'overlay/egress.ts', 'firewall/input.ts', 'lab/realhost.ts', 'pod/env.ts', 'pod/identity.ts'].includes(r)) return 'plan'
  // reaching hosts: the executor, the state file, the container runtime, the process
  if (dir === 'host' || dir === 'runtime' || ['state/store.ts', 'interrupt.ts', 'context.ts', 'cluster/hosts.ts', 'pod/runtime.ts'].includes(r)) return 'host'
  return 'area'
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Every relative import of a file (static, dynamic, type-only alike), as a path under src/. */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts'))

describe('layers', () => {
  const files = sources('src')
  it('no import runs back up a layer', () => {
    const up = files.flatMap((f) => importsOf(f).filter((t) => LAYERS.indexOf(layerOf(t)) > LAYERS.indexOf(layerOf(f))).map((t) => `${f} (${layerOf(f)}) imports ${t} (${layerOf(t)})`))
    expect(up).toEqual([])
  })
  it('every layer holds files, and the pipeline is one folder', () => {
    const by = new Map(LAYERS.map((l) => [l, files.filter((f) => layerOf(f) === l)]))
    for (const l of LAYERS) expect(by.get(l)!.length, l).toBeGreaterThan(0)
    expect(by.get('pipeline')!.every((f) => f.startsWith('src/lib/pipeline/'))).toBe(true)
  })
  it('the planners reach no host: no executor, runtime, store or process in their imports', () => {
    const planners = files.filter((f) => layerOf(f) === 'plan' || layerOf(f) === 'model')
    expect(planners.flatMap((f) => importsOf(f).filter((t) => !['model', 'plan'].includes(layerOf(t))).map((t) => `${f} imports ${t}`))).toEqual([])
  })
})
