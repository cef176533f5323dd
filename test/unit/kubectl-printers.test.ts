import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {resolveKind} from '../../src/lib/kubectl/kinds.js'
import {parseOutput, printData, printGroups, tabulate, type Group, type PrintOptions} from '../../src/lib/kubectl/printers.js'
import {HEADS, podCells} from '../../src/lib/kubectl/resources.js'
import {toV1Deployment, toV1Endpoints, endpointsText, namespacesOf} from '../../src/lib/kubectl/v1.js'
import {toV1Pod} from '../../src/lib/pod/v1.js'
import {toV1Service, portsText, externalIP} from '../../src/lib/svc/v1.js'
import {sampleState} from './fixtures.js'

const NOW = Date.parse('2026-01-01T00:05:00.000Z')
const state = sampleState()

/** The pods of the sample state, as get makes them when the nodes were not asked. */
function podGroup(): Group {
  const rows = Object.values(state.pods)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => {
      const live = {pod: p, containers: [{name: 'app', id: `c-${p.name}`, running: p.phase === 'Running', state: 'running', restartCount: p.name === 'client' ? 2 : 0}]}
      return {obj: toV1Pod(p, live as never, state.nodes[p.node].address), ...podCells(live as never, NOW)}
    })
  return {kind: resolveKind('pods'), ...HEADS.Pod, rows}
}

function svcGroup(): Group {
  const rows = Object.values(state.services).map((s) => ({obj: toV1Service(s), cells: [s.type, s.clusterIP, externalIP(s), portsText(s), '5m'], wide: ['app=web']}))
  return {kind: resolveKind('svc'), ...HEADS.Service, rows}
}

const print = (g: Group[], o: Partial<PrintOptions> & {output?: PrintOptions['output']}) => printGroups(g, {output: {t: 'table'}, toYaml: stringify, ...o})

describe('kubectl printers', () => {
  it('pads like kubectl: every column but the last to its widest cell + 3, at least 6', () => {
    expect(tabulate([['NAME', 'IP'], ['a', 'b']])).toBe('NAME   IP\na      b')
    expect(tabulate([['A', 'B', 'C'], ['x', 'yyyyyyy', 'z']])).toBe('A     B         C\nx     yyyyyyy   z')
  })

  it('prints the pod table, wide, without headers, with labels and label columns', () => {
    expect(print([podGroup()], {})).toBe(
      [
        'NAME        READY   STATUS    RESTARTS   AGE',
        'client      1/1     Running   2          5m',
        'late        0/1     Pending   0          5m',
        'web-abc-1   1/1     Running   0          5m',
        'web-abc-2   1/1     Running   0          5m',
      ].join('\n'),
    )
    expect(print([podGroup()], {output: {t: 'wide'}, noHeaders: true})!.split('\n')[0]).toBe('client      1/1   Running   2     5m    10.244.1.3   node1   <none>   <none>')
    expect(print([podGroup()], {showLabels: true, labelColumns: ['pod-template-hash']})).toBe(
      [
        'NAME        READY   STATUS    RESTARTS   AGE   POD-TEMPLATE-HASH   LABELS',
        'client      1/1     Running   2          5m                        app=client',
        'late        0/1     Pending   0          5m                        app=web',
        'web-abc-1   1/1     Running   0          5m    abc                 app=web,pod-template-hash=abc',
        'web-abc-2   1/1     Running   0          5m    abc                 app=web,pod-template-hash=abc',
      ].join('\n'),
    )
  })

  it('prints several kinds as kind/name tables apart, and -A adds NAMESPACE', () => {
    expect(print([podGroup(), svcGroup()], {withKind: true, allNamespaces: true})).toBe(
      [
        'NAMESPACE   NAME            READY   STATUS    RESTARTS   AGE',
        'default     pod/client      1/1     Running   2          5m',
        'default     pod/late        0/1     Pending   0          5m',
        'default     pod/web-abc-1   1/1     Running   0          5m',
        'default     pod/web-abc-2   1/1     Running   0          5m',
        '',
        'NAMESPACE   NAME             TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE',
        'default     service/web      ClusterIP   10.96.0.20   <none>        80/TCP         5m',
        'default     service/web-np   NodePort    10.96.0.21   <none>        80:30080/TCP   5m',
      ].join('\n'),
    )
  })

  it('prints -o name, with the group of grouped kinds', () => {
    const d = {kind: resolveKind('deploy'), ...HEADS.Deployment, rows: [{obj: toV1Deployment(state, state.deployments['default/web']), cells: [], wide: []}]}
    expect(print([podGroup(), d], {output: parseOutput('name')})).toBe('pod/client\npod/late\npod/web-abc-1\npod/web-abc-2\ndeployment.apps/web')
  })

  it('prints jsonpath on a List, or on the one object asked by name', () => {
    expect(print([podGroup()], {output: parseOutput('jsonpath={.items[*].status.podIP}')})).toBe('10.244.1.3 10.244.2.3 10.244.1.2 10.244.2.2')
    const one = {...podGroup(), rows: podGroup().rows.slice(0, 1)}
    expect(print([one], {output: parseOutput('jsonpath={.spec.nodeName}'), single: true})).toBe('node1')
    expect(print([one], {output: parseOutput('jsonpath={.kind}')})).toBe('List')
  })

  it('prints custom columns, <none> for a missing value, sorted by --sort-by', () => {
    expect(print([podGroup()], {output: parseOutput('custom-columns=NAME:.metadata.name,IP:.status.podIP,OWNER:.metadata.ownerReferences[0].name'), sortBy: '.status.podIP'})).toBe(
      ['NAME        IP           OWNER', 'web-abc-1   10.244.1.2   web', 'client      10.244.1.3   <none>', 'web-abc-2   10.244.2.2   web', 'late        10.244.2.3   <none>'].join('\n'),
    )
    expect(print([podGroup()], {output: parseOutput('custom-columns=NAME:.metadata.name'), noHeaders: true, sortBy: '{.metadata.name}'})).toBe('client\nlate\nweb-abc-1\nweb-abc-2')
  })

  it('prints json and yaml Lists, and nothing for an empty table', () => {
    const json = JSON.parse(print([svcGroup()], {output: parseOutput('json')})!)
    expect(json.kind).toBe('List')
    expect(json.items.map((i: {spec: {clusterIP: string}}) => i.spec.clusterIP)).toEqual(['10.96.0.20', '10.96.0.21'])
    expect(print([svcGroup()], {output: parseOutput('yaml')})).toMatch(/^apiVersion: v1\nkind: List\nitems:\n {2}- apiVersion: v1\n {4}kind: Service\n/)
    const empty = {...svcGroup(), rows: []}
    expect(print([empty], {})).toBeUndefined()
    expect(print([empty], {output: parseOutput('name')})).toBeUndefined()
    expect(print([empty], {output: parseOutput('json')})).toBe('{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": []\n}')
  })

  it('gives topic commands -o name and custom-columns over their Lists', () => {
    const list = {apiVersion: 'v1', kind: 'List', items: Object.values(state.services).map(toV1Service)}
    expect(printData(list, parseOutput('name'))).toBe('service/web\nservice/web-np')
    expect(printData(list.items[0], parseOutput('custom-columns=NAME:.metadata.name,PORT:.spec.ports[*].port'))).toBe('NAME   PORT\nweb    80')
  })

  it.each([
    ['yml', 'unable to match a printer suitable for the output format "yml"'],
    ['jsonpath=', 'template format specified but no template given'],
    ['custom-columns=NAME', 'unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>'],
    ['jsonpath-file=/nonexistent/x', 'cannot read /nonexistent/x: no such file'],
  ])('refuses -o %s with exit 2', (o, msg) => {
    expect(() => parseOutput(o)).toThrowError(expect.objectContaining({exitCode: 2, message: msg}))
  })
})

describe('v1 shapes of the kinds without a topic command', () => {
  it('derives Endpoints from the Running pods a service selects', () => {
    const e = toV1Endpoints(state, state.services['default/web-np'])
    expect(e.subsets).toEqual([
      {
        addresses: [
          {ip: '10.244.1.2', nodeName: 'node1', targetRef: {kind: 'Pod', name: 'web-abc-1', namespace: 'default'}},
          {ip: '10.244.2.2', nodeName: 'node2', targetRef: {kind: 'Pod', name: 'web-abc-2', namespace: 'default'}},
        ],
        ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
      },
    ])
    expect(endpointsText(e)).toBe('10.244.1.2:8080,10.244.2.2:8080')
  })

  it('counts a deployment from the pods it owns', () => {
    const d = toV1Deployment(state, state.deployments['default/web'])
    expect(d.status).toMatchObject({replicas: 2, readyReplicas: 2, availableReplicas: 2})
    expect(d.spec.selector).toEqual({matchLabels: {app: 'web'}})
  })

  it('lists default and every namespace of an object', () => {
    const s = sampleState()
    s.secrets['shop/tls'] = {namespace: 'shop', name: 'tls', uid: 'u', type: 'Opaque', labels: {}, data: {}, createdAt: '2026-02-01T00:00:00.000Z'}
    expect(namespacesOf(s).map((n) => n.name)).toEqual(['default', 'shop'])
  })
})
