import {step} from '../../host/plan.js'
import {containerName, LABEL_CONTAINER, LABEL_POD, LABEL_UID, pauseName, podMtu} from '../../pod/plan.js'
import {abandoned} from '../../pod/model.js'
import {objKey, type PodRecord} from '../../state/schema.js'
import {bridgeName, link, podHostVeth, VTEP} from '../../trace/facts.js'
import type {Check, Finding, PodRepair} from '../model.js'

const podsOn = (pods: Record<string, PodRecord>, node: string) => Object.values(pods).filter((p) => p.node === node)
const ownNet = (p: PodRecord) => p.network === 'pod'
const short = (id: string) => id.slice(0, 12)

const restart = (p: PodRecord): PodRepair => ({kind: 'restart', pod: objKey(p.namespace, p.name), uid: p.uid})
const again = (p: PodRecord) => `start it again from its spec on ${p.node}${p.ip && p.network === 'pod' ? ` with ${p.ip}` : ''} (what kubelet does; --fix does it)`

/**
 * Every pod of the state against its node, whatever its phase: a record a killed mk8s left
 * Pending or Terminating, a sandbox whose pause container is gone or stopped, an app container
 * missing, an app container in another network namespace than its pause container (a pause
 * restarted by Docker gets a new, empty one), its address, its lease. Each is resolved by
 * starting the pod again, or by finishing its delete.
 */
export const podChecks: Check = ({state, docker, extras}) => {
  const out: Finding[] = []
  const cni = state.cluster?.driver === 'cni'
  for (const [node, d] of docker) {
    if (d.error) continue
    for (const p of podsOn(state.pods, node)) {
      const object = `pod/${p.namespace}/${p.name}`
      if (p.phase === 'Pending' || p.phase === 'Terminating') {
        if (!abandoned(p)) {
          out.push({id: 'pod-in-progress', severity: 'info', node, object, evidence: `${p.phase} by mk8s process ${p.pid ?? '?'}, which still runs`, fix: 'wait for it', safe: false})
        } else if (p.phase === 'Pending') {
          out.push({id: 'pod-start-interrupted', severity: 'error', node, object, evidence: `Pending since ${p.createdAt}: the mk8s that was making it${p.pid ? ` (pid ${p.pid})` : ''} is gone, so its containers and wiring may be half made`, fix: again(p), safe: true, repair: restart(p)})
        } else {
          out.push({id: 'pod-delete-interrupted', severity: 'warning', node, object, evidence: `Terminating: the mk8s that was deleting it${p.pid ? ` (pid ${p.pid})` : ''} is gone`, fix: `finish the delete: its containers removed, its wiring undone, its record gone (--fix does it)`, safe: true, repair: {kind: 'finish-delete', pod: objKey(p.namespace, p.name), uid: p.uid}})
        }
        continue
      }
      if (p.phase !== 'Running') continue
      const has = d.containers.filter((c) => c.labels[LABEL_UID] === p.uid)
      const pause = has.find((c) => c.labels[LABEL_CONTAINER] === 'POD')
      const broken = (id: string, evidence: string, severity: Finding['severity'] = 'error') => out.push({id, severity, node, object, evidence, fix: again(p), safe: true, repair: restart(p)})
      if (has.length === 0) {
        broken('pod-containers-gone', `no container labelled ${LABEL_UID}=${p.uid} on ${node}`)
        continue
      }
      if (!pause || !pause.running) {
        broken('pod-sandbox-down', pause ? `its pause container ${short(pause.id)} is ${pause.status}: the pod's network namespace is gone` : `it has no pause container on ${node}: the pod's network namespace is gone`)
        continue
      }
      const missing = p.containers.filter((c) => !has.some((h) => h.labels[LABEL_CONTAINER] === c.name))
      if (missing.length) {
        broken('pod-container-missing', `container(s) ${missing.map((c) => c.name).join(', ')} of the pod are not on ${node}`)
        continue
      }
      const split = has.filter((c) => c !== pause && c.running && c.netns && pause.netns && c.netns !== pause.netns)
      if (split.length) {
        broken('pod-netns-split', `container(s) ${split.map((c) => c.labels[LABEL_CONTAINER]).join(', ')} are in ${split[0].netns}, but the pause container (restarted at some point) is in ${pause.netns}: the next restart of an app container joins the new, empty namespace and the pod is cut off`)
        continue
      }
      const leases = extras.get(node)?.leases
      if (cni && p.network === 'pod' && p.ip && leases && !leases.some((l) => l.ip === p.ip && pause.id.startsWith(l.container.slice(0, 12)))) {
        broken('pod-lease-missing', `host-local holds no lease of ${p.ip} for its pause container ${short(pause.id)}: the address could be given to another pod`, 'warning')
      }
    }
  }
  return out
}

/** Containers of mk8s's labels or name form that no pod of the state owns. */
export const containerChecks: Check = ({state, docker}) => {
  const out: Finding[] = []
  for (const [node, d] of docker) {
    if (d.error) continue
    const mine = podsOn(state.pods, node)
    for (const c of d.containers) {
      const key = c.labels[LABEL_POD]
      if (key !== undefined) {
        const p = state.pods[key]
        if (!p || p.uid !== c.labels[LABEL_UID] || p.node !== node) {
          out.push({id: 'stray-container', severity: 'warning', node, object: `container/${c.name}`, evidence: `${short(c.id)} is labelled ${LABEL_POD}=${key} ${LABEL_UID}=${c.labels[LABEL_UID] ?? '?'}, but the state has ${p ? `that pod with uid ${p.uid} on ${p.node}` : 'no such pod'}`, fix: `docker rm -f ${short(c.id)}`, safe: true, plan: [step(['docker', 'rm', '-f', c.id], {tolerate: true})]})
        }
        continue
      }
      if (!/^k8s_[^_]+_.+_[^_]+$/.test(c.name)) continue
      const wanted = mine.find((p) => c.name === pauseName(p) || p.containers.some((x) => c.name === containerName(p, x.name)))
      out.push({id: 'container-name-in-use', severity: wanted ? 'error' : 'warning', node, object: `container/${c.name}`, evidence: `${short(c.id)} has a name of mk8s's form but no ${LABEL_UID} label${wanted ? `: pod ${wanted.name} cannot be created (Docker's 409 Conflict)` : ': a pod with that name would fail with a 409 Conflict'}`, fix: `if it is not yours to keep: docker rm -f ${short(c.id)} (mk8s never removes containers it did not make)`, safe: false})
    }
  }
  return out
}

/** Two containers of one pod on one port (they share a network namespace), and containers that died of it. */
export const portChecks: Check = ({state, docker}) => {
  const out: Finding[] = []
  for (const p of Object.values(state.pods)) {
    const seen = new Map<string, string>()
    for (const c of (p.spec.containers ?? []) as Array<{name: string; ports?: Array<{containerPort: number; protocol?: string}>}>) {
      for (const port of c.ports ?? []) {
        const k = `${port.protocol ?? 'TCP'}/${port.containerPort}`
        const other = seen.get(k)
        if (other) out.push({id: 'pod-port-clash', severity: 'error', node: p.node, object: `pod/${p.name}`, evidence: `containers ${other} and ${c.name} both declare ${k}: they share one network namespace`, fix: `give one of them another port in the pod's spec`, safe: false})
        else seen.set(k, c.name)
      }
    }
  }
  for (const [node, d] of docker) {
    for (const c of d.containers) {
      if (c.running || !c.logs || !/address (already )?in use/i.test(c.logs)) continue
      const last = c.logs.split('\n').filter((l) => /in use/i.test(l)).pop()
      out.push({id: 'port-taken', severity: 'error', node, object: `container/${c.name}`, evidence: `exited (code ${c.exitCode}); its log says: ${last}`, fix: `another container of pod ${c.labels[LABEL_POD] ?? '?'} (or the host, for hostNetwork) holds that port: change one of them`, safe: false})
    }
  }
  return out
}

/** Each pod's wiring on its node: its veth present on cni0, hairpin on, an MTU the overlay carries. */
export const wiringChecks: Check = ({state, facts}) => {
  const cluster = state.cluster
  if (!cluster) return []
  const out: Finding[] = []
  for (const f of facts.values()) {
    const node = state.nodes[f.node]
    if (!node) continue
    const limit = Math.min(podMtu(cluster, node), link(f, VTEP)?.mtu ?? Infinity)
    for (const p of podsOn(state.pods, f.node).filter((x) => x.phase === 'Running' && ownNet(x))) {
      const net = f.pods.find((n) => n.key === objKey(p.namespace, p.name))
      if (!net) continue
      const veth = podHostVeth(f, objKey(p.namespace, p.name), p.hostVeth)
      const object = `pod/${p.namespace}/${p.name}`
      if (!veth || veth.master !== bridgeName) {
        out.push({id: 'pod-veth-missing', severity: 'error', node: f.node, object, evidence: veth ? `${veth.ifname} is not a port of ${bridgeName}` : `no host end of the pod's eth0 on ${f.node}`, fix: again(p), safe: true, repair: restart(p)})
        continue
      }
      if (p.ip && !net.addrs.some((a) => a.ifname === 'eth0' && a.ip === p.ip)) {
        out.push({id: 'pod-address-missing', severity: 'error', node: f.node, object, evidence: `the pod's eth0 does not hold ${p.ip}${net.addrs.filter((a) => a.ifname === 'eth0').length ? ` (it holds ${net.addrs.filter((a) => a.ifname === 'eth0').map((a) => a.ip).join(', ')})` : ''}`, fix: again(p), safe: true, repair: restart(p)})
        continue
      }
      const port = f.bridgePorts.find((b) => b.ifname === veth.ifname)
      if (port && !port.hairpin) {
        out.push({id: 'hairpin-off', severity: 'warning', node: f.node, object: veth.ifname, evidence: `bridge port ${veth.ifname} of pod ${p.name} has hairpin off: the pod cannot reach itself through a service`, fix: `bridge link set dev ${veth.ifname} hairpin on`, safe: true, plan: [step(['bridge', 'link', 'set', 'dev', veth.ifname, 'hairpin', 'on'])]})
      }
      const eth0 = net.links.find((l) => l.ifname === 'eth0')
      const mtu = Math.max(eth0?.mtu ?? 0, veth.mtu)
      if (Number.isFinite(limit) && mtu > limit) {
        out.push({id: 'pod-mtu-too-large', severity: 'warning', node: f.node, object: `pod/${p.name}`, evidence: `eth0 mtu ${eth0?.mtu}, ${veth.ifname} mtu ${veth.mtu}; the overlay carries ${limit}: large packets across nodes are dropped`, fix: `set both ends to ${limit}`, safe: true, plan: [
          step(['ip', 'link', 'set', 'dev', veth.ifname, 'mtu', String(limit)]),
          step(['nsenter', '-t', String(net.pid), '-n', 'ip', 'link', 'set', 'dev', 'eth0', 'mtu', String(limit)]),
        ]})
      }
    }
  }
  return out
}

/** veths on cni0 that are no known pod's: left behind by a pod the state forgot. */
export const strayVethChecks: Check = ({state, facts}) => {
  const out: Finding[] = []
  for (const f of facts.values()) {
    const known = new Set<string>()
    for (const p of podsOn(state.pods, f.node)) {
      if (p.hostVeth) known.add(p.hostVeth)
      const v = podHostVeth(f, objKey(p.namespace, p.name))
      if (v) known.add(v.ifname)
    }
    for (const l of f.links.filter((x) => x.master === bridgeName && x.ifname.startsWith('veth') && !known.has(x.ifname))) {
      const owner = f.pods.find((n) => n.links.some((e) => e.ifname === 'eth0' && e.peerIndex === l.ifindex))
      out.push({id: 'stray-veth', severity: 'warning', node: f.node, object: l.ifname, evidence: `${l.ifname} is a port of ${bridgeName} but belongs to no pod of the state${owner ? ` (its peer is in the sandbox of ${owner.key})` : ''}`, fix: `ip link del ${l.ifname}`, safe: true, plan: [step(['ip', 'link', 'del', l.ifname], {tolerate: true})]})
    }
  }
  return out
}
