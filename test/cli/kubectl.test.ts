import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {parseNetpolSpec} from '../../src/lib/netpol/spec.js'
import {sampleState} from '../unit/fixtures.js'
import {BIN, runPiped, tempDir} from './helpers.js'

/**
 * kubectl's verbs on the built CLI over a state file, without a lab: the nodes of the state are
 * on a loopback port where nothing listens, so pods read as Unknown and nothing reaches a host.
 */
const dir = tempDir('kubectl')
const state = join(dir, 'state.json')
const env = {MK8S_STATE: state, NO_COLOR: '1'}
const mk8s = (...args: string[]) => runPiped(['node', BIN, ...args], {env})
const AGO = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString() // AGE 3d

function writeState(): void {
  const s = sampleState()
  for (const n of Object.values(s.nodes)) n.target = {kind: 'ssh', user: 'root', host: '127.0.0.1', port: 1}
  s.cluster!.createdAt = AGO
  for (const o of [...Object.values(s.pods), ...Object.values(s.services), ...Object.values(s.deployments)]) o.createdAt = AGO
  s.secrets['default/tls'] = {namespace: 'default', name: 'tls', uid: 'u-tls', type: 'kubernetes.io/tls', labels: {app: 'web'}, data: {'tls.crt': 'YWJj', 'tls.key': 'ZGVm'}, createdAt: AGO}
  s.secrets['shop/token'] = {namespace: 'shop', name: 'token', uid: 'u-tok', type: 'Opaque', labels: {}, data: {}, createdAt: AGO}
  writeFileSync(state, JSON.stringify(s))
  // the hosts hold what the state says (as after the commands that made it): changes program only what they change
  writeFileSync(`${state}.programmed`, JSON.stringify({state: s, stale: []}))
}

describe('mk8s get', () => {
  beforeEach(writeState)

  it('lists pods as kubectl does, live status asked from the nodes', () => {
    const r = mk8s('get', 'pods')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(
      [
        'NAME        READY   STATUS    RESTARTS   AGE',
        'client      0/1     Unknown   0          3d',
        'late        0/1     Unknown   0          3d',
        'web-abc-1   0/1     Unknown   0          3d',
        'web-abc-2   0/1     Unknown   0          3d',
        '',
      ].join('\n'),
    )
  })

  it('takes short names, several kinds and KIND/NAME', () => {
    expect(mk8s('get', 'svc,deploy', '--no-headers').stdout).toBe(
      ['service/web      ClusterIP   10.96.0.20   <none>   80/TCP         3d', 'service/web-np   NodePort    10.96.0.21   <none>   80:30080/TCP   3d', '', 'deployment.apps/web   2/2   2     2     3d', ''].join('\n'),
    )
    expect(mk8s('get', 'deploy/web', 'svc/web', '-o', 'name').stdout).toBe('deployment.apps/web\nservice/web\n')
    expect(mk8s('get', 'all', '-o', 'name').stdout).toBe('pod/client\npod/late\npod/web-abc-1\npod/web-abc-2\nservice/web\nservice/web-np\ndeployment.apps/web\n')
    expect(mk8s('get', 'ep', 'web').stdout).toBe('NAME   ENDPOINTS                         AGE\nweb    10.244.1.2:8080,10.244.2.2:8080   3d\n')
    expect(mk8s('get', 'ns').stdout).toBe('NAME      STATUS   AGE\ndefault   Active   3d\nshop      Active   3d\n')
    expect(mk8s('get', 'secrets', '-A').stdout).toBe('NAMESPACE   NAME    TYPE                DATA   AGE\ndefault     tls     kubernetes.io/tls   2      3d\nshop        token   Opaque              0      3d\n')
  })

  it('selects with the whole label grammar and the field selectors', () => {
    expect(mk8s('get', 'pods', '-l', 'app in (web,client),!pod-template-hash', '-o', 'name').stdout).toBe('pod/client\npod/late\n')
    expect(mk8s('get', 'pods', '-l', 'app notin (web)', '-o', 'name').stdout).toBe('pod/client\n')
    expect(mk8s('get', 'pods', '--field-selector', 'spec.nodeName=node2,status.phase!=Pending', '-o', 'name').stdout).toBe('pod/web-abc-2\n')
    expect(mk8s('get', 'svc', '-l', 'tier', '-o', 'name').stdout).toBe('service/web-np\n')
  })

  it('prints jsonpath, custom-columns, sorted, with label columns', () => {
    expect(mk8s('get', 'pod', 'client', '-o', 'jsonpath={.status.podIP}').stdout).toBe('10.244.1.3')
    expect(mk8s('get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}').stdout).toBe('client=node1\nlate=node2\nweb-abc-1=node1\nweb-abc-2=node2\n')
    expect(mk8s('get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,IP:.status.podIP', '--sort-by', '.status.podIP').stdout).toBe('NAME        IP\nweb-abc-1   10.244.1.2\nclient      10.244.1.3\nweb-abc-2   10.244.2.2\nlate        10.244.2.3\n')
    const cols = join(dir, 'cols.txt')
    writeFileSync(cols, 'NAME TYPE\n.metadata.name .spec.type\n')
    expect(mk8s('get', 'svc', '-o', `custom-columns-file=${cols}`, '--no-headers').stdout).toBe('web      ClusterIP\nweb-np   NodePort\n')
    expect(mk8s('get', 'svc', '-L', 'tier', '--show-labels').stdout).toBe(
      'NAME     TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE   TIER    LABELS\nweb      ClusterIP   10.96.0.20   <none>        80/TCP         3d            <none>\nweb-np   NodePort    10.96.0.21   <none>        80:30080/TCP   3d    front   tier=front\n',
    )
    const one = JSON.parse(mk8s('get', 'deployment', 'web', '-o', 'json').stdout)
    expect([one.kind, one.spec.replicas, one.status.readyReplicas]).toEqual(['Deployment', 2, 2])
  })

  it('says "No resources found" on stderr and exits 0; a missing name is exit 1', () => {
    expect(mk8s('get', 'pods', '-n', 'empty')).toEqual({code: 0, stdout: '', stderr: 'No resources found in empty namespace.\n'})
    expect(mk8s('get', 'pods', '-A', '-l', 'app=none')).toEqual({code: 0, stdout: '', stderr: 'No resources found\n'})
    expect(mk8s('get', 'pods', 'nope')).toEqual({code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n'})
    expect(mk8s('get', 'pods', 'nope', '--ignore-not-found')).toEqual({code: 0, stdout: '', stderr: ''})
  })

  it('refuses bad input with exit 2, naming the problem and the fix', () => {
    expect(mk8s('get', 'podz')).toMatchObject({code: 2, stderr: 'error: the server doesn\'t have a resource type "podz"\nhint: did you mean "pods"?\n'})
    expect(mk8s('get', 'pods', '-l', 'app in (web')).toMatchObject({code: 2, stderr: expect.stringContaining('unbalanced parentheses')})
    expect(mk8s('get', 'pods', '-o', 'yml')).toMatchObject({code: 2, stderr: expect.stringContaining('unable to match a printer suitable for the output format "yml"')})
    expect(mk8s('get')).toMatchObject({code: 2, stderr: expect.stringContaining('you must specify the type of resource to get')})
  })

  it('gives the topic commands -o name and jsonpath', () => {
    expect(mk8s('svc', 'list', '-o', 'name').stdout).toBe('service/web\nservice/web-np\n')
    expect(mk8s('svc', 'get', 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}').stdout).toBe('30080\n')
  })
})

describe('unknown commands and help', () => {
  it('suggests the nearest command, exit 2', () => {
    expect(mk8s('gett', 'pods')).toEqual({code: 2, stdout: '', stderr: 'error: unknown command "gett pods" for "mk8s"\nhint: did you mean "mk8s get pods"? see \'mk8s --help\' for the commands\n'})
    expect(mk8s('pod', 'lsit')).toMatchObject({code: 2, stderr: expect.stringContaining('did you mean "mk8s pod list"?')})
  })

  it('shows help with -h', () => {
    const r = mk8s('scale', '-h')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('$ mk8s scale deployment/NAME... --replicas N [flags]')
  })
})

describe('kubectl verbs on the state', () => {
  beforeEach(writeState)

  it('labels and annotates, refusing a changed value without --overwrite', () => {
    expect(mk8s('label', 'secret', 'tls', 'tier=front')).toEqual({code: 0, stdout: 'secret/tls labeled\n', stderr: ''})
    expect(mk8s('label', 'secret/tls', 'tier=back')).toMatchObject({code: 2, stderr: "error: 'tier' already has a value (front), and --overwrite is false\nhint: add --overwrite to change secret/tls\n"})
    expect(mk8s('label', 'secret/tls', 'tier=back', '--overwrite').stdout).toBe('secret/tls labeled\n')
    expect(mk8s('label', 'secret/tls', 'tier=back').stdout).toBe('secret/tls not labeled\n')
    expect(mk8s('get', 'secrets', '-l', 'tier=back', '-o', 'name').stdout).toBe('secret/tls\n')
    expect(mk8s('label', 'secrets', '--all', 'tier-').stdout).toBe('secret/tls labeled\n')
    expect(mk8s('get', 'secret', 'tls', '-o', 'jsonpath={.metadata.labels}').stdout).toBe('{"app":"web"}')
    expect(mk8s('annotate', 'secret', 'tls', 'owner=ops').stdout).toBe('secret/tls annotated\n')
    expect(mk8s('get', 'secret', 'tls', '-o', 'jsonpath={.metadata.annotations.owner}').stdout).toBe('ops')
    expect(mk8s('label', 'node', 'node1', 'x=y')).toMatchObject({code: 2, stderr: expect.stringContaining('mk8s keeps no labels of nodes')})
  })

  it('labels namespaces (what a NetworkPolicy namespaceSelector selects), never their name label', () => {
    // (default: a namespace whose pod records DNS has already, so labeling it records it and changes nothing on the hosts here)
    expect(mk8s('label', 'namespace', 'default', 'team=a')).toEqual({code: 0, stdout: 'namespace/default labeled\n', stderr: ''})
    expect(mk8s('get', 'ns', '-l', 'team=a', '-o', 'name').stdout).toBe('namespace/default\n')
    expect(mk8s('get', 'ns', 'default', '-o', 'jsonpath={.metadata.labels}').stdout).toBe('{"kubernetes.io/metadata.name":"default","team":"a"}')
    expect(mk8s('label', 'ns', 'default', 'team=a').stdout).toBe('namespace/default not labeled\n')
    expect(mk8s('label', 'ns', 'default', 'kubernetes.io/metadata.name=x', '--overwrite')).toMatchObject({code: 2, stderr: expect.stringContaining('cannot be changed')})
    expect(mk8s('annotate', 'ns', 'default', 'a=b')).toMatchObject({code: 2, stderr: expect.stringContaining('mk8s keeps no annotations of namespaces')})
    expect(mk8s('label', 'ns', 'default', 'team-').stdout).toBe('namespace/default labeled\n')
    expect(mk8s('get', 'ns', '-l', 'team=a', '-o', 'name')).toMatchObject({code: 0, stdout: ''})
  })

  it('deletes by name and by selector', () => {
    expect(mk8s('delete', 'secret', 'nope')).toMatchObject({code: 2, stderr: expect.stringContaining('secrets "nope" not found in namespace "default"')})
    expect(mk8s('delete', 'secret', 'nope', '--ignore-not-found')).toEqual({code: 0, stdout: '', stderr: ''})
    expect(mk8s('delete', 'secrets', '-l', 'app=none')).toEqual({code: 0, stdout: '', stderr: 'No resources found in default namespace.\n'})
    expect(mk8s('delete', 'secrets', '-l', 'app=web')).toEqual({code: 0, stdout: 'secret "tls" deleted\n', stderr: ''})
    expect(mk8s('delete', 'nodes', 'node1')).toMatchObject({code: 2, stderr: "error: mk8s does not delete nodes this way\nhint: use 'mk8s node leave node1'\n"})
  })

  it('gets, labels and deletes ConfigMaps, NetworkPolicies and IngressClasses as kubectl does', () => {
    // as apply -f leaves them (apply would program the nodes, which this state cannot reach)
    const st = JSON.parse(readFileSync(state, 'utf8'))
    st.configMaps['default/settings'] = {namespace: 'default', name: 'settings', uid: 'u-cm', labels: {}, data: {mode: 'fast', size: '3'}, createdAt: new Date().toISOString()}
    st.networkPolicies['default/web-in'] = {namespace: 'default', name: 'web-in', uid: 'u-np', labels: {}, annotations: {}, spec: parseNetpolSpec({podSelector: {matchLabels: {app: 'web'}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}]}, 'np'), createdAt: new Date().toISOString()}
    st.ingressClasses.other = {name: 'other', uid: 'u-ic', controller: 'example.com/other', isDefault: false, labels: {}, annotations: {}, createdAt: new Date().toISOString()}
    writeFileSync(state, JSON.stringify(st))
    writeFileSync(`${state}.programmed`, JSON.stringify({state: st, stale: []}))
    expect(mk8s('get', 'cm').stdout).toMatch(/^NAME\s+DATA\s+AGE\nsettings\s+2\s+\d+s\n$/)
    expect(mk8s('get', 'netpol').stdout).toMatch(/^NAME\s+POD-SELECTOR\s+AGE\nweb-in\s+app=web\s+\d+s\n$/)
    expect(mk8s('get', 'ingressclass').stdout).toMatch(/^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nother\s+example\.com\/other\s+<none>\s+\d+s\n$/)
    expect(mk8s('get', 'cm,netpol', '-o', 'name').stdout).toBe('configmap/settings\nnetworkpolicy.networking.k8s.io/web-in\n')
    expect(JSON.parse(mk8s('get', 'configmap', 'settings', '-o', 'json').stdout)).toMatchObject({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings', namespace: 'default'}, data: {mode: 'fast', size: '3'}})
    expect(mk8s('label', 'cm', 'settings', 'tier=cache').stdout).toBe('configmap/settings labeled\n')
    expect(mk8s('get', 'cm', '-l', 'tier=cache', '-o', 'name').stdout).toBe('configmap/settings\n')
    expect(mk8s('delete', 'cm/settings', 'ingressclass/other')).toEqual({code: 0, stdout: 'configmap "settings" deleted\ningressclass.networking.k8s.io "other" deleted\n', stderr: ''})
    expect(mk8s('get', 'cm')).toMatchObject({code: 0, stdout: '', stderr: 'No resources found in default namespace.\n'})
  })

  it('get -w: the list, then each object that appears, changes or goes, until --timeout', async () => {
    const {execa} = await import('execa')
    const w = execa('node', [BIN, 'get', 'secrets', '-w', '--timeout', '6s'], {env, reject: false})
    await new Promise((r) => setTimeout(r, 2500))
    const st = JSON.parse(readFileSync(state, 'utf8'))
    st.secrets['default/new'] = {namespace: 'default', name: 'new', uid: 'u-new', type: 'Opaque', labels: {}, data: {a: 'Yg=='}, createdAt: new Date().toISOString()}
    delete st.secrets['default/tls']
    writeFileSync(state, JSON.stringify(st))
    const r = await w
    expect(r.exitCode, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE$/)
    expect(lines[1]).toMatch(/^tls\s+kubernetes\.io\/tls\s+2\s+3d$/)
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 3).join(' ')).sort()).toEqual(['new Opaque 1', 'tls kubernetes.io/tls 2'])
  })

  it('describes objects of any kind', () => {
    expect(mk8s('describe', 'deploy', 'web').stdout).toBe(
      [
        'Name:               web',
        'Namespace:          default',
        `CreationTimestamp:  ${AGO}`,
        'Labels:             app=web',
        'Annotations:        <none>',
        'Selector:           app=web',
        'Replicas:           2 desired | 2 updated | 2 total | 0 available | 2 unavailable',
        'StrategyType:       Recreate (mk8s makes the new pods, then removes the old)',
        'Pod Template:',
        '  app:',
        '    Image:  mk8s/busybox',
        '    Ports:  8080/TCP',
        '',
      ].join('\n'),
    )
    expect(mk8s('describe', 'secret/tls').stdout).toBe('Name:       tls\nNamespace:  default\nLabels:     app=web\nType:       kubernetes.io/tls\n\nData\n====\ntls.crt:  3 bytes\ntls.key:  3 bytes\n')
  })

  it('waits: delete met at once for a missing pod; Ready times out on an unreachable node', () => {
    expect(mk8s('wait', '--for=delete', 'pod/gone')).toEqual({code: 0, stdout: 'pod/gone condition met\n', stderr: ''})
    expect(mk8s('wait', '--for=condition=Ready', 'pod/client', '--timeout=0s')).toMatchObject({code: 1, stderr: expect.stringContaining('error: timed out waiting for the condition on pods/client')})
    expect(mk8s('wait', '--for=condition=Happy', 'pod/client')).toMatchObject({code: 2, stderr: expect.stringContaining('pods have no condition "happy" here')})
    expect(mk8s('rollout', 'status', 'deployment/web', '--watch=false')).toEqual({code: 1, stdout: 'Waiting for deployment "web" rollout to finish: 0 of 2 updated replicas are available...\n', stderr: ''})
    expect(mk8s('scale', 'svc/web', '--replicas', '2')).toMatchObject({code: 2, stderr: expect.stringContaining('scale is for deployments and statefulsets: service/web is a Service')})
  })

  it('applies -f DIR -R, JSON and a plain kustomization under --dry-run=client; refuses another namespace', () => {
    const m = join(dir, 'm')
    mkdirSync(join(m, 'sub'), {recursive: true})
    writeFileSync(join(m, 'a.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ntype: Opaque\n')
    writeFileSync(join(m, 'b.json'), JSON.stringify({apiVersion: 'v1', kind: 'Secret', metadata: {name: 'tls'}, type: 'Opaque'}))
    writeFileSync(join(m, 'notes.txt'), 'not a manifest')
    writeFileSync(join(m, 'sub', 'c.yml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: c, namespace: shop}\ntype: Opaque\n')
    expect(mk8s('apply', '-f', m, '--dry-run=client')).toEqual({code: 0, stdout: 'secret/a created (dry run)\nsecret/tls configured (dry run)\n', stderr: ''})
    expect(mk8s('apply', '-f', m, '-R', '--dry-run=client').stdout).toBe('secret/a created (dry run)\nsecret/tls configured (dry run)\nsecret/c created (dry run)\n')
    expect(mk8s('apply', '-f', m, '-R', '-n', 'default', '--dry-run=client')).toMatchObject({code: 2, stderr: expect.stringContaining('the namespace from the provided object "shop" does not match the namespace "default".')})
    writeFileSync(join(m, 'kustomization.yaml'), 'resources: [b.json]\n')
    expect(mk8s('apply', '-k', m, '--dry-run=client', '-o', 'jsonpath={.items[*].metadata.name}').stdout).toBe('tls\n')
    writeFileSync(join(m, 'kustomization.yaml'), 'namePrefix: x-\nresources: [b.json]\n')
    expect(mk8s('apply', '-k', m)).toMatchObject({code: 2, stderr: expect.stringContaining('it does not do namePrefix')})
    expect(JSON.parse(mk8s('get', 'secrets', '-o', 'json').stdout).items.map((i: {metadata: {name: string}}) => i.metadata.name)).toEqual(['tls'])
  })
})

describe('contexts', () => {
  beforeEach(writeState)

  it('switches state file and namespace as kubeconfig contexts do; MK8S_STATE and -n still win', () => {
    const cfg = join(dir, 'config')
    const other = join(dir, 'other.json')
    const run = (e: Record<string, string>, ...args: string[]) => runPiped(['node', BIN, ...args], {env: {NO_COLOR: '1', MK8S_CONFIG: cfg, ...e}, unset: 'MK8S_STATE' in e ? [] : ['MK8S_STATE']})
    expect(run({}, 'config', 'set-context', 'lab', '--state-file', state).stdout).toBe('Context "lab" created.\n')
    expect(run({}, 'config', 'set-context', 'other', '--state-file', other, '-n', 'shop').stdout).toBe('Context "other" created.\n')
    expect(run({}, 'config', 'use-context', 'lab').stdout).toBe('Switched to context "lab".\n')
    expect(run({}, 'get', 'svc', '-o', 'name')).toEqual({code: 0, stdout: 'service/web\nservice/web-np\n', stderr: ''})
    expect(run({}, 'config', 'use-context', 'other').stdout).toBe('Switched to context "other".\n')
    expect(run({}, 'get', 'pods')).toEqual({code: 0, stdout: '', stderr: 'No resources found in shop namespace.\n'})
    expect(run({MK8S_STATE: state}, 'get', 'svc', '-n', 'default', '-o', 'name').stdout).toBe('service/web\nservice/web-np\n')
    expect(run({}, 'config', 'set-context', '--current', '--namespace', 'default').stdout).toBe('Context "other" modified.\n')
    expect(run({}, 'config', 'get-contexts').stdout).toBe(`CURRENT   NAME    STATE${' '.repeat(other.length - 2)}NAMESPACE\n          lab     ${state}\n*         other   ${other}   default\n`)
    expect(run({}, 'config', 'use-context', 'nope')).toMatchObject({code: 2, stderr: 'error: no context exists with the name: "nope"\nhint: see \'mk8s config get-contexts\'\n'})
  })
})
