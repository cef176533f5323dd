import {step} from '../../host/plan.js'
import {containerName, LABEL_POD, LABEL_UID, pauseName, podMtu} from '../../pod/plan.js'
import {objKey, type PodRecord} from '../../state/schema.js'
import {bridgeName, link, podHostVeth, VTEP} from '../../trace/facts.js'
import type {Check, Finding} from '../model.js'

const podsOn = (pods: Record<string, PodRecord>, node: string) => Object.values(pods).filter((p) => p.node === node)
const ownNet = (p: PodRecord) => p.network === 'pod'
const short = (id: string) => id.slice(0, 12)

/** The state's pods against the node's Docker: containers gone, containers nobody knows, names squatted. */
export const containerChecks: Check = ({state, docker}) => {
  const out: Finding[] = []
  for (const [node, d] of docker) {
    if (d.error) continue
    const mine = podsOn(state.pods, node)
    for (const p of mine.filter((x) => x.phase === 'Running')) {
      const has = d.containers.filter((c) => c.labels[LABEL_UID] === p.uid)
      if (has.length === 0) {
        out.push({id: 'pod-containers-gone', severity: 'error', node, object: `pod/${p.name}`, evidence: `no container labelled ${LABEL_UID}=${p.uid} on ${node}`, fix: `mk8s pod delete ${p.name} -n ${p.namespace}, then create it again${p.owner ? ` (deployment ${p.owner} recreates it on apply)` : ''}`, safe: false})
      }
    }
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
      if (!veth || veth.master !== bridgeName) {
        out.push({id: 'pod-veth-missing', severity: 'error', node: f.node, object: `pod/${p.name}`, evidence: veth ? `${veth.ifname} is not a port of ${bridgeName}` : `no host end of the pod's eth0 on ${f.node}`, fix: `recreate the pod: mk8s pod delete ${p.name}, then create it again`, safe: false})
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
