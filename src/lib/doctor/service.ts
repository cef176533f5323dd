import type {Ctx} from '../context.js'
import {requireCluster} from '../cluster/model.js'
import {program} from '../pipeline/index.js'
import {unprogrammed} from '../pipeline/drift.js'
import {renderStep, type Plan} from '../host/plan.js'
import {readAllFacts} from '../trace/service.js'
import {CHECKS} from './checks/index.js'
import {bootChecks} from '../boot/check.js'
import type {DoctorReport, Finding, Inputs, PodRepair} from './model.js'
import {deletePods, restartPods} from '../pod/service.js'
import {lookAgain, markReadiness, type ProbeLook} from '../pod/readiness.js'
import {markReady, objKey, type NodeRecord, type PodRecord, type State} from '../state/schema.js'
import {ownerGone} from '../util/owner.js'
import {FIREWALL_READS} from '../firewall/detect.js'
import {firewallFindings} from '../firewall/doctor.js'
import {LEASE_READ, staleLeaseFindings} from '../pod/leases.js'
import {doctorReads, parseDocker, parseExtras, type DockerFacts, type NodeExtras} from './reads.js'

/** Run every check over the state and what the nodes hold (one read round trip per node). */
/** What doctor reads on each node beside trace's facts, in the same script. */
export const doctorExtraReads = (o: {conntrack: boolean}): Array<[string, readonly string[]]> => [...doctorReads(o), ...FIREWALL_READS, ['iptables-version', ['iptables', '-V']], LEASE_READ]

export async function diagnose(ctx: Ctx): Promise<{findings: Finding[]; notes: string[]}> {
  const state = ctx.store.read()
  requireCluster(state)
  const udp = Object.values(state.services).some((s) => s.ports.some((p) => p.protocol === 'UDP'))
  const {facts, raw, errors} = await readAllFacts(ctx, state, doctorExtraReads({conntrack: udp}))
  const docker = new Map<string, DockerFacts>()
  const extras = new Map<string, NodeExtras>()
  for (const [node, r] of raw) {
    docker.set(node, parseDocker(r))
    extras.set(node, parseExtras(r))
  }
  const inputs: Inputs = {state, facts, docker, extras}
  const findings = [...[...CHECKS, bootChecks].flatMap((c) => c(inputs)), ...firewallFindings(state, raw), ...staleLeaseFindings(raw, docker)]
  // the readiness probes of running pods, again (pods doctor starts again anyway, or whose node did not answer, are left out)
  const broken = new Set(findings.flatMap((f) => (f.repair ? [f.repair.uid] : [])))
  for (const p of Object.values(state.pods)) if (errors.has(p.node)) broken.add(p.uid)
  findings.push(...(await lookAgain(ctx, state, broken)).flatMap(readinessFinding))
  const behind = ctx.dryRun ? [] : unprogrammed(state, ctx.store.readProgrammed())
  if (behind.length && !(await ctx.store.programmingNow())) {
    findings.unshift({id: 'hosts-behind-state', severity: 'error', object: 'state', evidence: `the state holds what the nodes were not programmed with (a command stopped between its state write and its scripts): ${behind.slice(0, 6).join('; ')}${behind.length > 6 ? `; and ${behind.length - 6} more` : ''}`, fix: 'program the nodes from the state: any command that changes hosts does it, as does doctor --fix', safe: true})
  }
  for (const n of joinsCutShort(state)) {
    findings.unshift({id: 'node-join-interrupted', severity: 'error', node: n.name, object: `node/${n.name}`, evidence: `Joining since ${n.joinedAt}: the mk8s that was joining it${n.pid ? ` (pid ${n.pid})` : ''} is gone`, fix: 'finish the join: the node programmed whole from the state, then Ready (--fix does it; or node join again, or node leave)', safe: true})
  }
  const notes = [...errors].map(([node, e]) => `${node}: not checked (${e})`)
  for (const f of facts.values()) for (const [what, why] of Object.entries(f.failed)) notes.push(`${f.node}: could not read ${what}: ${why}`)
  for (const [node, e] of errors) findings.unshift({id: / cannot run commands as root without a password|sudo is not installed/.test(e) ? 'sudo-refused' : 'node-unreachable', severity: 'error', node, object: `node/${node}`, evidence: e, fix: 'check that the host is up and that ssh to it works', safe: false})
  return {findings, notes}
}

/** What a pod's readiness probe says now against its record: a finding when they differ, or when it is not ready. */
function readinessFinding(l: ProbeLook): Finding[] {
  const p = l.pod
  const base = {node: p.node, object: `pod/${p.namespace}/${p.name}`}
  const repair = (kind: 'mark-ready' | 'mark-not-ready') => ({kind, pod: objKey(p.namespace, p.name), uid: p.uid, detail: l.detail})
  if (!l.wasReady && l.ready) return [{id: 'pod-probe-passing', severity: 'warning', ...base, evidence: `not ready, but its readinessProbe passes now (${l.detail}): no Service sends it traffic`, fix: 'mark it ready, so that its Services send it traffic (--fix does it)', safe: true, repair: repair('mark-ready')}]
  if (l.wasReady && !l.ready) return [{id: 'pod-probe-failing', severity: 'error', ...base, evidence: `ready, but its readinessProbe fails (${l.detail}): its Services still send it traffic`, fix: 'mark it not ready, so that no Service sends it traffic (--fix does it)', safe: true, repair: repair('mark-not-ready')}]
  if (!l.ready) return [{id: 'pod-not-ready', severity: 'warning', ...base, evidence: `its readinessProbe fails (${l.detail}): no Service sends it traffic`, fix: `see why (mk8s pod logs ${p.name} -n ${p.namespace}, mk8s describe pod ${p.name} -n ${p.namespace}); mk8s doctor probes it again each time it runs, and --fix marks it ready once it passes`, safe: false}]
  return []
}

/** Nodes left Joining by a killed node join. */
const joinsCutShort = (state: State): NodeRecord[] => Object.values(state.nodes).filter((n) => !n.ready && n.reason === 'Joining' && ownerGone(n.pid, n.joinedAt))

const counts = (f: Finding) => f.severity !== 'info'
const label = (f: Finding) => `${f.id} ${f.node ?? ''} ${f.object}`.replace(/\s+/g, ' ')

const REPAIR_TEXT: Record<PodRepair['kind'], string> = {'restart': 'start pod %s again from its spec', 'finish-delete': 'finish deleting pod %s', 'mark-ready': 'mark pod %s ready (an endpoint)', 'mark-not-ready': 'mark pod %s not ready (no endpoint)'}
const repairText = (r: PodRepair) => REPAIR_TEXT[r.kind].replace('%s', r.pod)

function report(findings: Finding[], notes: string[], extra: Partial<DoctorReport> = {}): DoctorReport {
  return {
    ok: !findings.some(counts),
    findings: findings.map(({plan, repair, ...f}) => ({...f, ...(plan?.length ? {commands: plan.map(renderStep)} : {}), ...(repair ? {repair: repairText(repair)} : {})})),
    notes,
    ...extra,
  }
}

/**
 * `mk8s doctor`: find what is broken. With fix, apply the safe fixes (one round trip per node,
 * nodes in parallel), check again, and say what was fixed and what is left to the user.
 */
export async function doctor(ctx: Ctx, opts: {fix?: boolean} = {}): Promise<DoctorReport> {
  const first = await diagnose(ctx)
  if (!opts.fix) return report(first.findings, first.notes)
  const state = ctx.store.read()
  const byNode = new Map<string, Plan>()
  for (const f of first.findings) {
    if (!f.safe || !f.plan || !f.node) continue
    const plan = byNode.get(f.node) ?? []
    const have = new Set(plan.map(renderStep))
    byNode.set(f.node, [...plan, ...f.plan.filter((s) => !have.has(renderStep(s)))])
  }
  const extra = new Map([...byNode].filter(([n]) => state.nodes[n]))
  // nodes marked unreachable that answered the checks: caught up whole, as `node repair` would
  const back = Object.values(state.nodes).filter((n) => n.reason === 'Unreachable' && !first.findings.some((f) => f.id === 'node-unreachable' && f.node === n.name)).map((n) => n.name)
  if (extra.size) ctx.progress(`fixing ${first.findings.filter((f) => f.safe && f.plan).length} finding(s) on ${[...extra.keys()].join(', ')}`)
  const joins = joinsCutShort(state).map((n) => n.name)
  // nothing --fix could change: the first look is the answer (no second read of every node)
  if (!first.findings.some((f) => f.safe && counts(f)) && !back.length && !joins.length) return report(first.findings, first.notes, {fixed: [], left: first.findings.filter(counts).map(label)})
  await program(ctx, {extra, whole: [...back, ...joins]})
  if (joins.length && !ctx.dryRun) {
    await ctx.store.update((s) => {
      for (const name of joins) if (s.nodes[name]?.reason === 'Joining') markReady(s.nodes[name])
    })
  }
  await repairPods(ctx, first.findings)
  if (ctx.dryRun) return report(first.findings, first.notes)
  const again = await diagnose(ctx)
  const still = new Set(again.findings.map(label))
  const fixed = first.findings.filter((f) => f.safe && !still.has(label(f))).map(label)
  const left = again.findings.filter(counts).map(label)
  return report(again.findings, again.notes, {fixed, left})
}

/**
 * The pods' repairs, as kubelet would make them: deletes cut short are finished, then pods whose
 * record and host disagree are started again from their spec (each pod once, however many
 * findings it had), all nodes at once. Only the very pods found (same uid) are touched.
 */
async function repairPods(ctx: Ctx, findings: readonly Finding[]): Promise<void> {
  const state = ctx.store.read()
  const pick = (kind: PodRepair['kind']): PodRecord[] => {
    const keys = new Map(findings.filter((f) => f.safe && f.repair?.kind === kind).map((f) => [f.repair!.pod, f.repair!.uid]))
    return [...keys].map(([k, uid]) => state.pods[k]).filter((p): p is PodRecord => p !== undefined && keys.get(`${p.namespace}/${p.name}`) === p.uid)
  }
  const deletes = pick('finish-delete')
  const restarts = pick('restart').filter((p) => !deletes.some((d) => d.uid === p.uid))
  if (deletes.length) {
    ctx.progress(`finishing the delete of ${deletes.map((p) => `pod ${p.namespace}/${p.name}`).join(', ')}`)
    await deletePods(ctx, deletes)
  }
  if (restarts.length) await restartPods(ctx, restarts)
  const marks = (['mark-ready', 'mark-not-ready'] as const).flatMap((k) => pick(k).map((pod) => ({pod, ready: k === 'mark-ready', detail: findings.find((f) => f.repair?.uid === pod.uid)?.repair?.detail ?? ''})))
  if (marks.length) {
    ctx.progress(`marking ${marks.map((m) => `pod ${m.pod.namespace}/${m.pod.name} ${m.ready ? 'ready' : 'not ready'}`).join(', ')}`)
    await markReadiness(ctx, marks)
  }
}
