import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import type {z} from 'zod'
import {IngressSpecSchema} from '../../src/lib/ingress/spec.js'
import {DOC_BEGIN, DOC_END, renderFieldDocs} from '../../src/lib/manifest/docs.js'
import type {Field} from '../../src/lib/manifest/fields.js'
import {ingressFields, podSpecFields, serviceFields} from '../../src/lib/manifest/supported.js'
import {ContainerPortSchema, ContainerSchema, PodSpecSchema, ProbeSchema} from '../../src/lib/pod/spec.js'
import {V1ServiceSchema} from '../../src/lib/svc/manifest.js'

/** The sub-tree at a path of object keys ("[]" steps into a list). */
function at(tree: Field, path: string[]): Extract<Field, {t: 'obj'}> {
  let f = tree
  for (const p of path) {
    if (p === '[]' && f.t === 'list') f = f.of
    else if (f.t === 'obj' && f.fields[p]) f = f.fields[p]
    else throw new Error(`no ${p} in the tree`)
  }
  if (f.t !== 'obj') throw new Error(`${path.join('.')} is not an object in the tree`)
  return f
}

const accepted = (f: Extract<Field, {t: 'obj'}>) => Object.entries(f.fields).filter(([, x]) => x.t !== 'refuse').map(([k]) => k).sort()
const supported = (f: Extract<Field, {t: 'obj'}>) => Object.entries(f.fields).filter(([, x]) => ['ok', 'map', 'obj', 'list'].includes(x.t)).map(([k]) => k).sort()
const keys = (s: z.ZodObject) => Object.keys(s.shape).sort()

describe('docs/manifests.md', () => {
  it('is the field trees: regenerate with npx tsx scripts/manifests-doc.ts', () => {
    const text = readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8')
    const a = text.indexOf(DOC_BEGIN)
    const b = text.indexOf(DOC_END)
    expect(a).toBeGreaterThan(0)
    expect(text.slice(a, b + DOC_END.length)).toBe(renderFieldDocs())
  })

  // a parser that reads a field the tree refuses or does not list would act on something the docs deny, and the reverse
  it.each([
    ['Pod spec', podSpecFields, [], PodSpecSchema],
    ['container', podSpecFields, ['containers', '[]'], ContainerSchema],
    ['container port', podSpecFields, ['containers', '[]', 'ports', '[]'], ContainerPortSchema],
    ['readinessProbe', podSpecFields, ['containers', '[]', 'readinessProbe'], ProbeSchema],
    ['Service spec', serviceFields, ['spec'], V1ServiceSchema.shape.spec],
    ['Ingress spec', ingressFields, ['spec'], IngressSpecSchema],
  ] as Array<[string, Field, string[], z.ZodObject]>)('the %s parser reads what the tree accepts, and the tree supports only what it reads', (_name, tree, path, schema) => {
    const node = at(tree, path)
    for (const k of keys(schema)) expect(accepted(node), `${k} is read by the parser`).toContain(k)
    for (const k of supported(node)) expect(keys(schema), `${k} is called supported`).toContain(k)
  })
})
