import type {PodRecord} from '../state/schema.js'
import {podStatus, type PodLive} from './service.js'
import {containerReady, podReady} from './model.js'
import type {ContainerLive} from './runtime.js'

function containerState(c?: ContainerLive) {
  if (!c) return {waiting: {reason: 'ContainerCreating'}}
  if (c.running) return {running: {startedAt: c.startedAt}}
  if (c.state === 'restarting') return {waiting: {reason: 'CrashLoopBackOff'}}
  return {terminated: {exitCode: c.exitCode ?? 0, reason: c.exitCode === 0 ? 'Completed' : 'Error', startedAt: c.startedAt, finishedAt: c.finishedAt}}
}

/** A v1 Pod as kubectl shows one; with live container status when it was asked for. */
export function toV1Pod(p: PodRecord, live?: PodLive, hostIP?: string) {
  const spec = p.spec
  const statuses = p.containers.map((c) => {
    const l = live?.containers.find((x) => x.name === c.name)
    return {
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: l ? `docker://${l.id}` : c.id ? `docker://${c.id}` : undefined,
      ready: containerReady(p, c.name, l ? l.running : p.phase === 'Running'),
      started: l ? l.running : undefined,
      restartCount: l?.restartCount ?? 0,
      state: live ? containerState(l) : p.phase === 'Running' ? {running: {}} : {waiting: {reason: p.phase}},
    }
  })
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      labels: p.labels,
      ...(p.annotations && Object.keys(p.annotations).length ? {annotations: p.annotations} : {}),
      creationTimestamp: p.createdAt,
      ...(p.owner ? {ownerReferences: [{apiVersion: 'apps/v1', kind: p.ownerKind ?? 'Deployment', name: p.owner, controller: true}]} : {}),
    },
    spec: {...spec, nodeName: p.node},
    status: {
      phase: p.phase === 'Terminating' ? 'Running' : p.phase,
      ...(live ? {reason: podStatus(live) === 'Running' ? undefined : podStatus(live)} : {}),
      hostIP,
      podIP: p.ip,
      podIPs: p.ip ? [{ip: p.ip}] : [],
      startTime: p.createdAt,
      conditions: [
        {type: 'Initialized', status: 'True'},
        {type: 'Ready', status: statuses.every((s) => s.ready) && podReady(p) ? 'True' : 'False', ...(p.probe && !p.probe.ok ? {reason: 'ContainersNotReady', message: `readinessProbe: ${p.probe.detail}`} : {}), ...(p.probe ? {lastProbeTime: p.probe.at} : {})},
        {type: 'ContainersReady', status: statuses.every((s) => s.ready) ? 'True' : 'False'},
        {type: 'PodScheduled', status: 'True'},
      ],
      containerStatuses: statuses,
    },
  }
}
