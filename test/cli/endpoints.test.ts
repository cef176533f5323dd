import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {derivedSliceName} from '../../src/lib/endpoints/model.js'
import {sampleState} from '../unit/fixtures.js'
import {BIN, runPiped, tempDir} from './helpers.js'

/**
 * apply -f, get, describe and delete of Endpoints and EndpointSlices on the built CLI, over a
 * state without nodes (its pods as recorded; no host to program).
 */
const dir = tempDir('endpoints')
const state = join(dir, 'state.json')
const env = {MK8S_STATE: state, NO_COLOR: '1'}
const file = join(dir, 'm.yaml')
/** mk8s ARGS; with input, `-f -` reads it from a file instead */
const mk8s = (args: string[], input?: string) => {
  if (input !== undefined) writeFileSync(file, input)
  return runPiped(['node', BIN, ...args.map((a) => (a === '-' && input !== undefined ? file : a))], {env})
}
const AGO = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString()

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: ext}
subsets:
- addresses: [{ip: 192.168.56.1}, {ip: 10.244.2.9}]
  notReadyAddresses: [{ip: 10.244.2.10}]
  ports: [{name: http, port: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-a, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
endpoints: [{addresses: [192.168.56.12], nodeName: node2}, {addresses: [192.168.56.13], conditions: {ready: false}}]
ports: [{name: http, port: 9000}]
`

function writeState(): void {
  const s = sampleState()
  s.nodes = {} // nothing to program: the pods stay as the state says
  s.cluster!.createdAt = AGO
  for (const o of [...Object.values(s.pods), ...Object.values(s.services), ...Object.values(s.deployments)]) o.createdAt = AGO
  writeFileSync(state, JSON.stringify(s))
  writeFileSync(`${state}.programmed`, JSON.stringify({state: s, stale: []}))
}

describe('Endpoints and EndpointSlices on the CLI', () => {
  beforeEach(writeState)

  it('apply -f, then get with kubectl\'s columns: the applied ones, and the derived ones of the selector services', () => {
    const a = mk8s(['apply', '-f', '-'], MANIFESTS)
    expect(a.stdout).toBe('service/ext created\nendpoints/ext created\nendpointslice.discovery.k8s.io/ext-a created\n')
    expect(mk8s(['apply', '-f', '-', '--dry-run=client'], MANIFESTS).stdout).toBe('service/ext configured (dry run)\nendpoints/ext configured (dry run)\nendpointslice.discovery.k8s.io/ext-a configured (dry run)\n')
    const ep = mk8s(['get', 'ep'])
    expect(ep.code, ep.stderr).toBe(0)
    expect(ep.stdout.replace(/ +\S+\n/g, '\n')).toBe('NAME     ENDPOINTS\next      192.168.56.1:8080,10.244.2.9:8080\nweb      10.244.1.2:8080,10.244.2.2:8080\nweb-np   10.244.1.2:8080,10.244.2.2:8080\n')
    const s = JSON.parse(mk8s(['get', 'svc', 'web', '-o', 'json']).stdout) as {metadata: {uid: string}}
    const web = derivedSliceName({name: 'web', uid: s.metadata.uid})
    const es = mk8s(['get', 'endpointslices', '--no-headers'])
    expect(es.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'ext-a IPv4 9000 192.168.56.12,192.168.56.13',
      `${web} IPv4 8080 10.244.1.2,10.244.2.2`,
      expect.stringMatching(/^web-np-[a-z0-9]{5} IPv4 8080 10.244.1.2,10.244.2.2$/),
    ])
    expect(mk8s(['describe', 'ep', 'ext']).stdout).toContain('NotReadyAddresses:  10.244.2.10')
  })

  it('refusals are exit 2 naming the path; deleting a derived one is refused, an applied one goes', () => {
    const bad = mk8s(['apply', '-f', '-'], MANIFESTS.replace('addressType: IPv4', 'addressType: FQDN'))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('error: EndpointSlice default/ext-a (')
    expect(bad.stderr).toContain('m.yaml document 3): addressType: mk8s serves IPv4 endpoints only, not "FQDN"')
    expect(mk8s(['get', 'ep', 'ext']).code).toBe(1)
    const d = mk8s(['delete', 'ep', 'web'])
    expect(d.code).toBe(2)
    expect(d.stderr).toContain('endpoints "web" is derived from the pods service web selects')
    mk8s(['apply', '-f', '-'], MANIFESTS)
    expect(mk8s(['delete', 'endpointslices', 'ext-a']).stdout).toBe('endpointslice.discovery.k8s.io "ext-a" deleted\n')
    expect(mk8s(['delete', '-f', '-'], MANIFESTS).stdout).toContain('endpoints "ext" deleted')
  })
})
