import {describe, expect, it} from 'vitest'
import {compileJsonPath} from '../../src/lib/kubectl/jsonpath.js'
import {parseKindArgs, resolveKind} from '../../src/lib/kubectl/kinds.js'
import {matchesFields, matchesSelector, parseFieldSelector, parseSelector, selectorText} from '../../src/lib/kubectl/selector.js'
import {suggestCommand} from '../../src/lib/kubectl/suggest.js'

const list = {
  kind: 'List',
  items: [
    {metadata: {name: 'web-1', labels: {app: 'web', 'app.kubernetes.io/name': 'w'}}, status: {podIP: '10.244.1.2', phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]}, spec: {containers: [{name: 'a', ports: [{containerPort: 80}]}, {name: 'b'}]}},
    {metadata: {name: 'web-2', labels: {app: 'web'}}, status: {podIP: '10.244.2.2', phase: 'Pending', conditions: [{type: 'Ready', status: 'False'}]}, spec: {containers: [{name: 'a'}]}},
  ],
}

describe('kubectl JSONPath templates', () => {
  it.each([
    ['{.items[*].metadata.name}', 'web-1 web-2'],
    ['{.items[0].status.podIP}', '10.244.1.2'],
    ['{.items[-1].metadata.name}', 'web-2'],
    ['{.items[0:1].metadata.name}', 'web-1'],
    ['{$.kind}', 'List'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', 'web-1\tRunning\nweb-2\tPending\n'],
    ['{.items[?(@.status.phase=="Running")].metadata.name}', 'web-1'],
    ['{.items[?(@.status.phase!="Running")].metadata.name}', 'web-2'],
    ['{.items[0].status.conditions[?(@.type=="Ready")].status}', 'True'],
    ['{.items[0].metadata.labels.app\\.kubernetes\\.io/name}', 'w'],
    ["{.items[0].metadata.labels['app.kubernetes.io/name']}", 'w'],
    ['{.items[1].metadata.labels}', '{"app":"web"}'],
    ['{..containerPort}', '80'],
    ['{.items[*].spec.containers[*].name}', 'a b a'],
    ['{.items[0].missing.key}', ''],
    ['names: {.items[*].metadata.name}!', 'names: web-1 web-2!'],
    ['{.items[?(@.spec.containers[1])].metadata.name}', 'web-1'],
    ['{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}', '[a,b,][a,]'],
  ])('%s', (tpl, out) => {
    expect(compileJsonPath(tpl).execute(list)).toBe(out)
  })

  it('takes a bare path as one block (custom-columns)', () => {
    expect(compileJsonPath('.metadata.name').values(list.items[0])).toEqual(['web-1'])
  })

  it.each([['{.items[*]'], ['{range .items[*]}{.x}'], ['{end}'], ['{.items[0}']])('refuses %s with exit 2', (tpl) => {
    expect(() => compileJsonPath(tpl)).toThrowError(expect.objectContaining({exitCode: 2, message: expect.stringContaining('invalid jsonpath template')}))
  })
})

describe('label selectors', () => {
  const web = {app: 'web', tier: 'front'}
  const db = {app: 'db'}
  const none = {}
  it.each([
    ['app=web', [true, false, false]],
    ['app==web', [true, false, false]],
    ['app!=web', [false, true, true]],
    ['app in (web,db)', [true, true, false]],
    ['app in (web, db)', [true, true, false]],
    ['app notin (web)', [false, true, true]],
    ['tier', [true, false, false]],
    ['!tier', [false, true, true]],
    ['app,!tier', [false, true, false]],
    ['app in (web,db),tier=front', [true, false, false]],
    ['', [true, true, true]],
  ])('%s', (sel, want) => {
    const s = parseSelector(sel)
    expect([web, db, none].map((l) => matchesSelector(s, l))).toEqual(want)
  })

  it('writes a selector back in canonical form', () => {
    expect(selectorText(parseSelector('app in (a, b),!x, tier == front,y'))).toBe('app in (a,b),!x,tier=front,y')
  })

  it.each([
    ['app=we b', '"app=we b"'],
    ['app in (a', 'unbalanced parentheses'],
    ['a,,b', 'an empty requirement'],
    ['-bad=x', '"-bad" is not a label key'],
    ['app=-x', '"-x" is not a label value'],
  ])('refuses %s', (sel, msg) => {
    expect(() => parseSelector(sel)).toThrowError(expect.objectContaining({exitCode: 2, message: expect.stringContaining(msg)}))
  })

  it('reads field selectors for the four fields', () => {
    const f = parseFieldSelector('status.phase=Running,spec.nodeName!=node2,metadata.name==web-1')
    expect(f).toEqual([
      {field: 'status.phase', op: '=', value: 'Running'},
      {field: 'spec.nodeName', op: '!=', value: 'node2'},
      {field: 'metadata.name', op: '=', value: 'web-1'},
    ])
    expect(matchesFields(f, {metadata: {name: 'web-1'}, spec: {nodeName: 'node1'}, status: {phase: 'Running'}})).toBe(true)
    expect(matchesFields(f, {metadata: {name: 'web-1'}, spec: {nodeName: 'node2'}, status: {phase: 'Running'}})).toBe(false)
    expect(() => parseFieldSelector('spec.restartPolicy=Always')).toThrowError('field selector "spec.restartPolicy" is not supported')
  })
})

describe('kind names', () => {
  it.each([
    ['po', 'Pod'], ['pods', 'Pod'], ['Pod', 'Pod'], ['svc', 'Service'], ['services', 'Service'], ['deploy', 'Deployment'],
    ['deployments.apps', 'Deployment'], ['deployment.apps', 'Deployment'], ['ing', 'Ingress'], ['ingresses.networking.k8s.io', 'Ingress'],
    ['no', 'Node'], ['ns', 'Namespace'], ['ep', 'Endpoints'], ['endpoints', 'Endpoints'], ['endpointslices', 'EndpointSlice'], ['endpointslice.discovery.k8s.io', 'EndpointSlice'], ['secret', 'Secret'],
  ])('%s is %s', (w, kind) => {
    expect(resolveKind(w).kind).toBe(kind)
  })

  it('refuses a kind mk8s does not make, and an unknown one with a guess', () => {
    expect(() => resolveKind('ds')).toThrowError('mk8s has no DaemonSets: the kinds it makes are pods, services, deployments, statefulsets, endpoints, endpointslices, ingresses, secrets, configmaps, networkpolicies, ingressclasses, nodes, namespaces')
    expect(() => resolveKind('podz')).toThrowError(expect.objectContaining({message: 'the server doesn\'t have a resource type "podz"', hint: 'did you mean "pods"?', exitCode: 2}))
  })

  it('knows the ConfigMaps, NetworkPolicies and IngressClasses that apply -f takes, by every name kubectl has', () => {
    expect(['cm', 'configmaps', 'netpol', 'networkpolicies.networking.k8s.io', 'ingressclass', 'IngressClass'].map((w) => resolveKind(w).kind)).toEqual(['ConfigMap', 'ConfigMap', 'NetworkPolicy', 'NetworkPolicy', 'IngressClass', 'IngressClass'])
    expect(['sts', 'statefulset', 'statefulsets', 'statefulsets.apps', 'StatefulSet'].map((w) => resolveKind(w).kind)).toEqual(Array(5).fill('StatefulSet'))
  })

  it('reads KIND[,KIND] NAME... and KIND/NAME...', () => {
    const names = (a: string[]) => parseKindArgs(a).requests.map((r) => `${r.kind.plural}:${r.names.join('+')}`)
    expect(names(['po,svc'])).toEqual(['pods:', 'services:'])
    expect(names(['po', 'a', 'b'])).toEqual(['pods:a+b'])
    expect(names(['pod/a', 'svc/b', 'po/c'])).toEqual(['pods:a+c', 'services:b'])
    expect(names(['all'])).toEqual(['pods:', 'services:', 'deployments:', 'statefulsets:'])
    expect(parseKindArgs(['all']).multi).toBe(true)
    expect(parseKindArgs(['pods']).multi).toBe(false)
    expect(() => parseKindArgs([])).toThrowError('you must specify the type of resource to get')
    expect(() => parseKindArgs(['pods', 'svc/web'])).toThrowError(/resource\/name form/)
  })
})

describe('did you mean', () => {
  const cmds = ['get', 'pod list', 'pod logs', 'svc list', 'node list', 'apply', 'delete', 'scale']
  it.each([
    [['gett', 'pods'], 'get pods'],
    [['pod', 'lst', 'web'], 'pod list web'],
    [['pod', 'log', 'web'], 'pod logs web'],
    [['scael'], 'scale'],
    [['frobnicate'], undefined],
  ])('%j -> %s', (typed, want) => {
    expect(suggestCommand(typed, cmds)).toBe(want)
  })
})
