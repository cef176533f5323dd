import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {execa} from 'execa'
import type {Ctx} from '../context.js'
import {InputError} from '../errors.js'
import {Host} from '../host/host.js'
import {step} from '../host/plan.js'
import {labNode, labPaths, LAB, type LabNode} from './config.js'
import {inLabHost, labNodeDownPlan, labNodePlan, labNodeRebootPlan, labRootDownPlan, labRootPlan} from './plan.js'
import {installLabSshOptions} from './ssh.js'
import {labUserFilesPlan, parseLabOptions, RUN_BOOT_SCRIPT, type LabOptions} from './realhost.js'

const local = (name = 'local'): Host => new Host(name, {kind: 'local'})

export interface LabNodeStatus {
  name: string
  address: string
  netns: boolean
  ssh: boolean
  docker: boolean
  images: string[]
}

function readMeta(): LabNode[] {
  try {
    return (JSON.parse(readFileSync(labPaths().meta, 'utf8')) as {nodes: LabNode[]}).nodes
  } catch {
    return []
  }
}

/** The lab's --user and --firewall, as lab up recorded them. */
export function readLabOptions(): LabOptions {
  try {
    const m = JSON.parse(readFileSync(labPaths().meta, 'utf8')) as LabOptions
    return {...(m.user ? {user: m.user} : {}), ...(m.firewalls ? {firewalls: m.firewalls} : {})}
  } catch {
    return {}
  }
}

/** Lab hosts that exist on this machine: from the lab's file and from /run/netns. */
function existingNodes(): LabNode[] {
  const byName = new Map(readMeta().map((n) => [n.name, n]))
  if (existsSync('/run/netns')) {
    for (const f of readdirSync('/run/netns')) {
      const m = /^mk8s-node(\d+)$/.exec(f)
      if (m) byName.set(`node${m[1]}`, labNode(Number(m[1])))
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', {numeric: true}))
}

/** How the lab reaches its hosts: root, or the lab's --user through sudo. */
export const labSshTarget = (n: LabNode, user = readLabOptions().user) =>
  ({kind: 'ssh' as const, user: user ?? 'root', host: n.address, port: 22, ...(user ? {sudo: true} : {})})

export async function labUp(ctx: Ctx, count: number, flags: {user?: string; firewall?: string[]} = {}): Promise<LabNodeStatus[]> {
  if (!Number.isInteger(count) || count < 1 || count > LAB.maxNodes) {
    throw new InputError(`--nodes must be between 1 and ${LAB.maxNodes}, got ${count}`)
  }
  if (process.getuid?.() !== 0) throw new InputError('mk8s lab needs root: it makes network namespaces, mounts and daemons', 'run it as root (sudo mk8s lab up)')
  const p = labPaths()
  const have = existingNodes().length
  const nodes = Array.from({length: Math.max(count, have)}, (_, i) => labNode(i + 1))
  const opts = parseLabOptions(nodes, flags.user, flags.firewall)
  if (have > 0 && JSON.stringify(readLabOptions()) !== JSON.stringify(opts)) {
    throw new InputError(`the lab is up with other options (${JSON.stringify(readLabOptions())}); a host's users and firewall are made when it starts`, "run 'mk8s lab down' first, then lab up with the new --user/--firewall")
  }
  ctx.progress(`lab: underlay ${LAB.network} on bridge ${LAB.bridge}, keys in ${p.dir}`)
  await ctx.exec.apply(local(), [...labRootPlan(p, nodes, opts), ...nodes.flatMap((n) => labUserFilesPlan(p, n, opts))])
  ctx.progress(`lab: starting ${nodes.map((n) => n.name).join(', ')} (own network, mount and UTS namespaces, sshd, dockerd)`)
  await ctx.exec.applyAll(nodes.map((n) => [local(n.name), labNodePlan(p, n, opts)] as const))
  if (ctx.dryRun) return []
  writeFileSync(p.meta, JSON.stringify({network: LAB.network, gateway: LAB.gateway, nodes, ...opts}, null, 2) + '\n', {mode: 0o600})
  installLabSshOptions()
  // prove every host answers over SSH as mk8s reaches it, and open the shared connection
  await ctx.exec.applyAll(nodes.map((n) => [new Host(n.name, labSshTarget(n)), [step(['true'])]] as const), 'read')
  return labStatus(ctx)
}

export async function labStatus(ctx: Ctx): Promise<LabNodeStatus[]> {
  const nodes = existingNodes()
  return Promise.all(
    nodes.map(async (n) => {
      const st: LabNodeStatus = {name: n.name, address: n.address, netns: existsSync(`/run/netns/${n.netns}`), ssh: false, docker: false, images: []}
      if (!st.netns) return st
      try {
        const r = await ctx.exec.read(new Host(n.name, labSshTarget(n)), [
          step(['true'], {capture: true}),
          step(['docker', 'image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], {capture: true}),
        ])
        st.ssh = r.get(0)?.code === 0
        const imgs = r.get(1)
        st.docker = imgs?.code === 0
        st.images = st.docker ? imgs!.output.split('\n').filter((l) => l.startsWith('mk8s/')).sort() : []
      } catch {
        // unreachable over SSH: reported as such
      }
      return st
    }),
  )
}

/** Close the shared SSH connections to lab hosts, so that no ssh master outlives (or hangs on) its host. */
async function closeMasters(nodes: readonly LabNode[]): Promise<void> {
  await Promise.all(
    nodes.map((n) => {
      const [file, ...args] = new Host(n.name, labSshTarget(n)).commandFor('true')
      const i = args.indexOf('--')
      return execa(file, [...args.slice(0, i - 1), '-O', 'exit', ...args.slice(i - 1, i)], {reject: false})
    }),
  )
}

export async function labDown(ctx: Ctx): Promise<{removed: string[]}> {
  const p = labPaths()
  const nodes = existingNodes()
  if (!ctx.dryRun) await closeMasters(nodes)
  ctx.progress(`lab: removing ${nodes.map((n) => n.name).join(', ') || 'nothing'}`)
  await ctx.exec.applyAll(nodes.map((n) => [local(n.name), labNodeDownPlan(p, n)] as const))
  await ctx.exec.apply(local(), labRootDownPlan(p))
  return {removed: nodes.map((n) => n.name)}
}

/**
 * `lab reboot NAME`: what a reboot does to a lab host. Every process in it ends (its containers
 * stop and stay, as on a disk), its network namespace is made anew, sshd and dockerd start
 * again, then its /var/lib/mk8s/boot.sh runs as its systemd unit would. Nothing of mk8s's
 * programming survives but what that script brings back.
 */
export async function labReboot(ctx: Ctx, name: string): Promise<{name: string; boot: string}> {
  const n = existingNodes().find((x) => x.name === name)
  if (!n) throw new InputError(`the lab has no host ${JSON.stringify(name)}`, `its hosts: ${existingNodes().map((x) => x.name).join(', ') || "none (run 'mk8s lab up')"}`)
  const p = labPaths()
  const opts = readLabOptions()
  if (!ctx.dryRun) await closeMasters([n])
  ctx.progress(`lab: rebooting ${n.name}: every process ended, its network namespace made anew`)
  await ctx.exec.apply(local(n.name), labNodeRebootPlan(p, n))
  ctx.progress(`lab: ${n.name} boots: sshd, dockerd, then /var/lib/mk8s/boot.sh`)
  await ctx.exec.apply(local(n.name), labNodePlan(p, n, opts))
  const r = await ctx.exec.apply(local(n.name), [step(inLabHost(p, n, ['sh', '-c', RUN_BOOT_SCRIPT, 'sh', p.node(n.name)]), {capture: true})])
  const boot = r.get(0)
  if (boot && boot.code !== 0) ctx.progress(`lab: ${n.name}: the boot script failed (exit ${boot.code}); its output is in ${p.node(n.name)}/boot.log`)
  return {name: n.name, boot: (boot?.output ?? '').trim() || 'not run (dry run)'}
}
