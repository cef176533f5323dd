import {describe, expect, it} from 'vitest'
import {explain, renderExplanation} from '../../src/lib/kubectl/explain.js'

describe('mk8s explain', () => {
  it("a field's children, each with what mk8s does with it, from the trees that validate manifests", () => {
    expect(renderExplanation(explain('ingress.spec.rules.http.paths'))).toBe(`KIND:     Ingress
VERSION:  networking.k8s.io/v1

FIELD:    spec.rules.http.paths <[]Object>

DESCRIPTION:
    mk8s: supported

FIELDS:
  path              supported
  pathType          supported: Prefix, Exact or ImplementationSpecific (as Prefix)
  backend <Object>  supported`)
    const e = explain('deploy.spec.template.spec.containers')
    expect(e).toMatchObject({kind: 'Deployment', version: 'apps/v1', field: 'spec.template.spec.containers', type: '[]Object'})
    expect(e.fields.find((f) => f.name === 'livenessProbe')).toMatchObject({what: 'refused', note: expect.stringContaining('mk8s runs no liveness probes')})
    expect(e.fields.find((f) => f.name === 'readinessProbe')).toMatchObject({what: 'supported', note: expect.stringContaining('does not watch pods continuously')})
    expect(e.fields.find((f) => f.name === 'ports')).toEqual({name: 'ports', type: '[]Object', what: 'supported', note: ''})
  })
  it('the kind itself, by any of kubectl\'s names; --recursive gives every field below', () => {
    expect(explain('po').fields.map((f) => `${f.name} ${f.what}`)).toEqual(['apiVersion supported', 'kind supported', 'metadata supported', 'spec supported', 'status read-only'])
    const all = explain('ingress.spec', {recursive: true}).fields.map((f) => f.name)
    expect(all).toContain('rules.http.paths.pathType')
    expect(all).toContain('tls.secretName')
  })
  it('a misspelt field is exit 2 with the one meant; a kind without manifests says so', () => {
    expect(() => explain('pod.spec.contaners')).toThrowError(expect.objectContaining({message: 'field "contaners" does not exist in Pod.spec', hint: `did you mean "containers"? ('mk8s explain Pod.spec.containers')`, exitCode: 2}))
    expect(() => explain('nodes')).toThrowError(/mk8s has no manifest of kind Node/)
  })
})
