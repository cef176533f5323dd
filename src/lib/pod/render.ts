import {table} from '../cli/table.js'
import {age} from '../util/age.js'
import {podStatus, type PodLive} from './service.js'
import {containerReady} from './model.js'
import {describeProbe} from './probe.plan.js'

const ready = (l: PodLive) => `${l.containers.filter((c) => containerReady(l.pod, c.name, c.running)).length}/${l.pod.containers.length}`
const restarts = (l: PodLive) => l.containers.reduce((a, c) => a + c.restartCount, 0)

export function renderPods(lives: PodLive[], wide: boolean, withNamespace = false): string {
  const head = [...(withNamespace ? ['namespace'] : []), 'name', 'ready', 'status', 'restarts', 'age', ...(wide ? ['ip', 'node'] : [])]
  return table(
    head,
    lives.map((l) => [
      ...(withNamespace ? [l.pod.namespace] : []),
      l.pod.name,
      l.containers.length || l.unknown ? ready(l) : `0/${l.pod.containers.length}`,
      l.containers.length || l.unknown ? podStatus(l) : l.pod.phase,
      restarts(l),
      age(l.pod.createdAt),
      ...(wide ? [l.pod.ip, l.pod.node] : []),
    ]),
  )
}

export function renderDescribe(d: PodLive & {logs: Record<string, string>}): string {
  const p = d.pod
  const lines = [
    `Name:         ${p.name}`,
    `Namespace:    ${p.namespace}`,
    `Node:         ${p.node}`,
    `Labels:       ${Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
    `Status:       ${podStatus(d)}`,
    `IP:           ${p.ip ?? '<none>'}`,
    ...(p.ready === undefined ? [] : [`Ready:        ${p.ready ? 'True' : 'False'}${p.probe ? ` (probed ${p.probe.at}: ${p.probe.detail})` : ''}`]),
    `Host veth:    ${p.hostVeth ?? '<none>'} (on cni0)`,
    `Pause:        ${d.pause ? `${d.pause.id.slice(0, 12)} ${d.pause.state}` : 'missing'}`,
    ...(p.owner ? [`Controlled By: ${p.ownerKind ?? 'Deployment'}/${p.owner}`] : []),
    'Containers:',
  ]
  for (const c of p.containers) {
    const l = d.containers.find((x) => x.name === c.name)
    lines.push(`  ${c.name}:`, `    Image:         ${c.image}`)
    if (!l) lines.push('    State:         missing (no container on the node)')
    else {
      lines.push(`    Container ID:  docker://${l.id.slice(0, 12)}`)
      lines.push(`    State:         ${l.running ? `Running (since ${l.startedAt})` : `${l.state === 'restarting' ? 'Restarting' : 'Terminated'} (exit code ${l.exitCode})`}`)
      lines.push(`    Restart Count: ${l.restartCount}`)
      if (l.error) lines.push(`    Error:         ${l.error}`)
    }
    const probe = p.spec.containers?.find((x) => x.name === c.name)?.readinessProbe
    if (probe) lines.push(`    Readiness:     ${describeProbe(probe)} (probed by mk8s when the pod starts and by mk8s doctor, not continuously)`)
    if (d.logs[c.name] !== undefined) lines.push('    Last log lines:', ...(d.logs[c.name] || '(empty)').split('\n').map((x) => `      ${x}`))
  }
  if (d.unknown) lines.push(`Warning: could not ask node ${p.node}: ${d.unknown}`)
  return lines.join('\n')
}
