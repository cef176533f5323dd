import {describe, expect, it} from 'vitest'
import {clusterInit, clusterReset} from '../../src/lib/cluster/service.js'
import type {Ctx} from '../../src/lib/context.js'
import {applyDeployment} from '../../src/lib/deploy/service.js'
import {applyAll, parseManifests} from '../../src/lib/manifest/parse.js'
import {deleteAll} from '../../src/lib/manifest/read.js'
import {nodeJoin, nodeLeave, nodeRepair} from '../../src/lib/node/service.js'
import {createPods, deletePod} from '../../src/lib/pod/service.js'
import {deleteService, exposeService, syncServices} from '../../src/lib/svc/service.js'
import {applyStatefulSet} from '../../src/lib/statefulset/service.js'
import {BOOT_PARTS_DIR} from '../../src/lib/boot/plan.js'
import {parseFilesBundle} from '../../src/lib/host/files.js'
import {bootParts, planChange} from '../../src/lib/pipeline/plan.js'
import {allGone, copyState, harness, stable} from './harness.js'

const WEB = {containers: [{name: 'web', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '80'], ports: [{containerPort: 80, hostPort: 8080}]}]}
const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: foo.bar.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
const MORE = `apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: web}, ports: [{port: 8080, targetPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: dns-like}
spec: {selector: {app: web}, ports: [{port: 53, protocol: UDP}]}
`

type Combo = {driver: 'ip' | 'cni'; proxyMode: 'iptables' | 'nftables'; backend: 'vxlan' | 'host-gw'}
const COMBOS: Combo[] = (['ip', 'cni'] as const).flatMap((driver) => (['iptables', 'nftables'] as const).flatMap((proxyMode) => (['vxlan', 'host-gw'] as const).map((backend) => ({driver, proxyMode, backend}))))

/** A two-node cluster with a pod (a host port), its NodePort service and an Ingress, made through the services with a recording executor. */
async function base(c: Combo): Promise<string> {
  const h = harness()
  await clusterInit(h.ctx, c)
  await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
  await nodeJoin(h.ctx, 'node2', {ssh: 'root@192.168.56.12'})
  await createPods(h.ctx, [{namespace: 'default', name: 'web', labels: {app: 'web'}, spec: WEB}], {node: 'node2'})
  await exposeService(h.ctx, {resource: 'pod/web', port: 80, type: 'NodePort', nodePort: 30080})
  await applyAll(h.ctx, parseManifests(INGRESS, 'ingress.yaml', 'default'))
  return h.path
}

/** The commands that change hosts, as their services run them. */
const COMMANDS: Record<string, (ctx: Ctx) => Promise<unknown>> = {
  'pod run': (ctx) => createPods(ctx, [{namespace: 'default', name: 'client', labels: {}, spec: {containers: [{name: 'c', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}], {node: 'node1'}),
  'pod delete': (ctx) => deletePod(ctx, 'default', 'web'),
  'svc expose': (ctx) => exposeService(ctx, {resource: 'pod/web', name: 'web2', port: 81, targetPort: '80'}),
  'svc delete': (ctx) => deleteService(ctx, 'default', 'web'),
  'svc sync --full': (ctx) => syncServices(ctx, true),
  'apply -f': (ctx) => applyAll(ctx, parseManifests(MORE, 'more.yaml', 'default')),
  'delete -f': (ctx) => deleteAll(ctx, parseManifests(INGRESS, 'ingress.yaml', 'default'), false),
  'apply deployment': (ctx) => applyDeployment(ctx, {namespace: 'default', name: 'api', labels: {}, replicas: 2, selector: {app: 'api'}, template: {metadata: {labels: {app: 'api'}}, spec: {containers: [{name: 'c', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}}),
  'apply statefulset': (ctx) => applyStatefulSet(ctx, {namespace: 'default', name: 'db', labels: {}, replicas: 2, selector: {app: 'db'}, serviceName: 'db', podManagementPolicy: 'OrderedReady', updateStrategy: 'RollingUpdate', start: 0, template: {metadata: {labels: {app: 'db'}}, spec: {containers: [{name: 'c', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}}),
  'node join': (ctx) => nodeJoin(ctx, 'node3', {ssh: 'root@192.168.56.13'}),
  'node leave --force': (ctx) => nodeLeave(ctx, 'node2', {force: true}),
  'node repair': (ctx) => nodeRepair(ctx, 'node2'),
  'cluster reset': (ctx) => clusterReset(ctx),
}

const bases = new Map<string, Promise<string>>()
const baseOf = (c: Combo) => {
  const k = JSON.stringify(c)
  if (!bases.has(k)) bases.set(k, base(c))
  return bases.get(k)!
}

/** The command run from a copy of the base state: what it sends to each node (a recording executor), or what --dry-run prints. */
async function run(c: Combo, cmd: string, dryRun: boolean): Promise<{text: string; state: string}> {
  const h = harness(copyState(await baseOf(c)), {dryRun, reads: cmd === 'node repair' ? allGone : undefined})
  const before = JSON.stringify(h.ctx.store.read())
  await COMMANDS[cmd](h.ctx)
  const after = JSON.stringify(new (h.ctx.store.constructor as typeof import('../../src/lib/state/store.js').StateStore)(h.path).read())
  return {text: stable(h.text()), state: dryRun ? (after === before ? 'unchanged' : 'CHANGED') : 'saved'}
}

describe('the pipeline: what each command sends to each node', {timeout: 120_000}, () => {
  for (const cmd of Object.keys(COMMANDS)) {
    it(`${cmd}: --dry-run prints exactly what runs, for both drivers, proxy modes and backends; golden`, async () => {
      const sections: string[] = []
      for (const c of COMBOS) {
        const real = await run(c, cmd, false)
        const dry = await run(c, cmd, true)
        expect(dry.text, `${cmd} ${JSON.stringify(c)}`).toBe(real.text)
        expect(dry.state, 'a dry run saves nothing').toBe('unchanged')
        sections.push(`### ${cmd} (driver ${c.driver}, ${c.proxyMode}, ${c.backend})\n${real.text}`)
      }
      await expect(sections.join('\n')).toMatchFileSnapshot(`goldens/${cmd.replace(/[^a-z]+/g, '-')}.txt`)
    })
  }
})

describe('the planners are pure: they change neither state (the pipeline shares objects between the two)', () => {
  const frozen = <T>(v: T): T => {
    if (v && typeof v === 'object') {
      for (const x of Object.values(v)) frozen(x)
      Object.freeze(v)
    }
    return v
  }
  for (const cmd of Object.keys(COMMANDS)) {
    it(cmd, async () => {
      for (const c of [COMBOS[0], COMBOS[2]]) {
        const h = harness(copyState(await baseOf(c)))
        const before = h.ctx.store.read()
        await COMMANDS[cmd](h.ctx)
        const after = h.ctx.store.read()
        const plans = [planChange(before, after), planChange(undefined, after), planChange(before, after, {whole: new Set(['node1'])})]
        expect([planChange(frozen(before), frozen(after)), planChange(undefined, after), planChange(before, after, {whole: new Set(['node1'])})]).toEqual(plans)
      }
    })
  }
})

describe('the boot script: what each change leaves on a node for its next boot', () => {
  const afterCmd = async (cmd: string) => {
    const h = harness(copyState(await baseOf(COMBOS[0])))
    const before = h.ctx.store.read()
    await COMMANDS[cmd](h.ctx)
    return {before, after: h.ctx.store.read()}
  }
  const bootOf = (scripts: ReturnType<typeof planChange>, node: string) => scripts.find((x) => x.node.name === node)?.parts.find((p) => p.area === 'boot')?.plan ?? []

  it("a change rewrites only the parts it changed, each as the new state's boot part; one that changes nothing of them writes none", async () => {
    const run = await afterCmd('pod run')
    const [step] = bootOf(planChange(run.before, run.after), 'node1')
    expect(step.argv.slice(-2)).toEqual(['sh', BOOT_PARTS_DIR])
    expect(parseFilesBundle(step.stdin!)).toEqual({'pods.sh': bootParts(run.after, run.after.nodes.node1).pods})
    expect(bootParts(run.after, run.after.nodes.node1).pods).toContain('docker start k8s_POD_client_default')
    expect(bootOf(planChange(run.before, run.after), 'node2')).toEqual([])
    const svc = await afterCmd('svc expose')
    expect(planChange(svc.before, svc.after).map((x) => bootOf([x], x.node.name))).toEqual([[], []])
  })

  it('a node programmed whole gets every part, the script and its unit; a leaving node loses them first', async () => {
    const join = await afterCmd('node join')
    const whole = bootOf(planChange(join.before, join.after), 'node3')
    expect(whole.map((x) => x.argv.slice(x.argv[0] === 'sh' ? -2 : -3).join(' '))).toEqual([
      'rm -rf /var/lib/mk8s/boot.d',
      'sh /var/lib/mk8s/boot.d',
      '/var/lib/mk8s/boot.sh 700',
      '/etc/systemd/system/mk8s-boot.service 644',
      'systemctl daemon-reload',
      'systemctl enable mk8s-boot.service',
    ])
    expect(Object.keys(parseFilesBundle(whole[1].stdin!))).toEqual(Object.keys(bootParts(join.after, join.after.nodes.node3)).map((a) => `${a}.sh`))
    const leave = await afterCmd('node leave --force')
    const gone = planChange(leave.before, leave.after).find((x) => x.node.name === 'node2')!
    expect(gone.parts[0].area).toBe('boot')
    expect(gone.parts[0].plan.at(-1)!.argv).toEqual(['rm', '-rf', '/var/lib/mk8s/boot.sh', BOOT_PARTS_DIR])
  })
})
