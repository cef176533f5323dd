/**
 * kubectl describe for the kinds without a topic describe: the sections people know (name,
 * labels, addresses, ports, endpoints, replicas). Pods and services use their areas' describe.
 */
import type {Ctx} from '../context.js'
import {renderIngressRules} from '../ingress/render.js'
import {requireIngress} from '../ingress/service.js'
import {ingressAddress} from '../ingress/v1.js'
import {nodeStatus} from '../node/render.js'
import {renderDescribe} from '../pod/render.js'
import {describePod, livePods, podStatus} from '../pod/service.js'
import {objKey, type State} from '../state/schema.js'
import {describeService} from '../svc/v1.js'
import {getService} from '../svc/service.js'
import {requireDeployment} from '../deploy/service.js'
import {requireStatefulSet} from '../statefulset/service.js'
import {ordinalOf, setPods} from '../statefulset/model.js'
import {labelsText} from './printers.js'
import {deploymentReady} from './wait.js'
import {endpointsText, namespacesOf, toV1Endpoints} from './v1.js'
import {listEndpoints, listSlices, type V1Endpoints} from '../endpoints/v1.js'
import {notFound} from '../errors.js'
import type {Target} from './verbs.js'

/** Rows of `Key:  value`, the values aligned two spaces past the longest key. */
export function keyValues(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length)) + 3
  return rows.map(([k, v]) => (v.includes('\n') ? `${k}:\n${v}` : `${`${k}:`.padEnd(w)}${v}`)).join('\n')
}

const annotationsText = (a?: Record<string, string>) => labelsText(a)

export async function describeTarget(ctx: Ctx, t: Target): Promise<string> {
  const state: State = ctx.store.read()
  switch (t.kind.kind) {
    case 'Pod':
      return renderDescribe(await describePod(ctx, t.namespace, t.name))
    case 'Service':
      return describeService(state, getService(state, t.namespace, t.name))
    case 'Deployment': {
      const d = requireDeployment(state, t.namespace, t.name)
      const r = await deploymentReady(ctx, t)
      const cs = ((d.template as {spec?: {containers?: Array<{name: string; image: string; ports?: Array<{containerPort: number; protocol?: string}>}>}}).spec?.containers ?? [])
      const restarted = (d.template as {metadata?: {annotations?: Record<string, string>}}).metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']
      return keyValues([
        ['Name', d.name],
        ['Namespace', d.namespace],
        ['CreationTimestamp', d.createdAt],
        ['Labels', labelsText(d.labels)],
        ['Annotations', annotationsText(d.annotations)],
        ['Selector', labelsText(d.selector)],
        ['Replicas', `${d.replicas} desired | ${r.total} updated | ${r.total} total | ${r.ready} available | ${Math.max(0, r.total - r.ready)} unavailable`],
        ['StrategyType', 'Recreate (mk8s makes the new pods, then removes the old)'],
        ...(restarted ? ([['Restarted At', restarted]] as Array<[string, string]>) : []),
        ['Pod Template', cs.map((c) => `  ${c.name}:\n    Image:  ${c.image}\n    Ports:  ${(c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') || '<none>'}`).join('\n')],
      ])
    }
    case 'StatefulSet': {
      const s = requireStatefulSet(state, t.namespace, t.name)
      const pods = setPods(state, s).sort((a, b) => (ordinalOf(s, a.name) ?? -1) - (ordinalOf(s, b.name) ?? -1))
      const live = await livePods(ctx, pods)
      const running = live.filter((l) => podStatus(l) === 'Running').length
      const cs = ((s.template as {spec?: {containers?: Array<{name: string; image: string; ports?: Array<{containerPort: number; protocol?: string}>}>}}).spec?.containers ?? [])
      return keyValues([
        ['Name', s.name],
        ['Namespace', s.namespace],
        ['CreationTimestamp', s.createdAt],
        ['Selector', labelsText(s.selector)],
        ['Labels', labelsText(s.labels)],
        ['Annotations', annotationsText(s.annotations)],
        ['Replicas', `${s.replicas} desired | ${pods.length} total`],
        ['Update Strategy', s.updateStrategy === 'RollingUpdate' ? 'RollingUpdate (highest ordinal first, one at a time)' : 'OnDelete'],
        ['Pod Management Policy', s.podManagementPolicy],
        ['Service Name', s.serviceName ?? '<none>'],
        ['Pods Status', `${running} Running / ${live.filter((l) => l.pod.phase === 'Pending').length} Waiting / 0 Succeeded / ${live.filter((l) => ['Failed', 'Error', 'CrashLoopBackOff'].includes(podStatus(l))).length} Failed`],
        ['Pods', live.map((l) => `  ${l.pod.name}  ${podStatus(l)}  ${l.pod.ip ?? '<none>'}  ${l.pod.node}  hostname ${l.pod.spec.hostname ?? l.pod.name}${s.serviceName ? `.${s.serviceName}` : ''}`).join('\n') || '  <none>'],
        ['Pod Template', cs.map((c) => `  ${c.name}:\n    Image:  ${c.image}\n    Ports:  ${(c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') || '<none>'}`).join('\n')],
      ])
    }
    case 'Endpoints': {
      const e: V1Endpoints = listEndpoints(state, (s) => toV1Endpoints(state, s)).find((x) => x.namespace === t.namespace && x.name === t.name)?.obj ?? toV1Endpoints(state, getService(state, t.namespace, t.name))
      const ips = (xs?: unknown[]) => ((xs ?? []) as Array<{ip: string}>).map((a) => a.ip).join(',') || '<none>'
      return keyValues([
        ['Name', t.name],
        ['Namespace', t.namespace],
        ['Labels', labelsText(e.metadata.labels)],
        ['Subsets', e.subsets.map((s) => `  Addresses:          ${ips(s.addresses)}\n  NotReadyAddresses:  ${ips(s.notReadyAddresses)}\n  Ports:\n${((s.ports ?? []) as Array<{name?: string; port: number; protocol: string}>).map((p) => `    ${p.name ?? '<unset>'}  ${p.port}  ${p.protocol}`).join('\n')}`).join('\n') || '  <none>'],
        ['Endpoints', endpointsText(e)],
      ])
    }
    case 'EndpointSlice': {
      const found = listSlices(state).find((x) => x.namespace === t.namespace && x.name === t.name)
      if (!found) throw notFound('endpointslice', objKey(t.namespace, t.name), 'mk8s get endpointslices')
      const e = found.obj
      return keyValues([
        ['Name', e.metadata.name],
        ['Namespace', t.namespace],
        ['Labels', labelsText(e.metadata.labels)],
        ['AddressType', e.addressType],
        ['Ports', `  Name     Port  Protocol\n  ----     ----  --------\n${e.ports.map((p) => `  ${(p.name || '<unset>').padEnd(7)}  ${String(p.port).padEnd(4)}  ${p.protocol}`).join('\n') || '  <unset>'}`],
        ['Endpoints', e.endpoints.map((x) => `  - Addresses:  ${x.addresses.join(',')}\n    Conditions:\n      Ready:    ${x.conditions?.ready ?? '<unset>'}\n    Hostname:   ${('hostname' in x ? x.hostname : undefined) ?? '<unset>'}\n    NodeName:   ${x.nodeName ?? '<unset>'}${x.targetRef ? `\n    TargetRef:  ${String(x.targetRef.kind ?? '')}/${String(x.targetRef.name ?? '')}` : ''}`).join('\n') || '  <none>'],
        ['Managed', found.derived ? `derived by mk8s from the pods service ${e.metadata.labels?.['kubernetes.io/service-name']} selects (read-only)` : 'applied'],
      ])
    }
    case 'Ingress': {
      const i = requireIngress(state, t.namespace, t.name)
      return `${keyValues([
        ['Name', i.name],
        ['Namespace', i.namespace],
        ['Labels', labelsText(i.labels)],
        ['Address', ingressAddress(state) ?? ''],
        ['Annotations', annotationsText(i.annotations)],
      ])}\nRules:\n${renderIngressRules(i).split('\n').map((l) => `  ${l}`).join('\n')}`
    }
    case 'Secret': {
      const s = state.secrets[objKey(t.namespace, t.name)]
      return `${keyValues([
        ['Name', s.name],
        ['Namespace', s.namespace],
        ['Labels', labelsText(s.labels)],
        ['Type', s.type],
      ])}\n\nData\n====\n${Object.entries(s.data).map(([k, v]) => `${k}:  ${Buffer.from(v, 'base64').length} bytes`).join('\n')}`
    }
    case 'Node': {
      const n = state.nodes[t.name]
      return keyValues([
        ['Name', n.name],
        ['Roles', '<none>'],
        ['Labels', labelsText({'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux'})],
        ['CreationTimestamp', n.joinedAt],
        ['Status', nodeStatus(n)],
        ['Addresses', `  InternalIP:  ${n.address}\n  Hostname:    ${n.hostname ?? n.name}`],
        ['PodCIDR', n.podCIDR],
        ['Underlay', `${n.iface} (MTU ${n.mtu})`],
        ['Non-terminated Pods', `(${Object.values(state.pods).filter((p) => p.node === n.name).length} in total)`],
      ])
    }
    default: {
      const ns = namespacesOf(state).find((n) => n.name === t.name)!
      return keyValues([
        ['Name', ns.name],
        ['Labels', labelsText(ns.labels)],
        ['Status', 'Active'],
      ])
    }
  }
}
