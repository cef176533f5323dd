/** A StatefulSet as kubectl shows one (apps/v1), and as `export` writes it back. */
import type {State, StatefulSetRecord} from '../state/schema.js'
import {REVISION_LABEL, revisionOf, setPods} from './model.js'

type Template = {metadata?: Record<string, unknown>; spec?: Record<string, unknown>}

/** The spec as applied, with what Kubernetes writes by default. */
function v1Spec(s: StatefulSetRecord, portable: boolean) {
  const t = s.template as Template
  const spec = portable ? (({nodeName: _n, ...rest}) => rest)(t.spec ?? {}) : t.spec
  return {
    replicas: s.replicas,
    selector: {matchLabels: s.selector},
    ...(s.serviceName ? {serviceName: s.serviceName} : {}),
    podManagementPolicy: s.podManagementPolicy,
    updateStrategy: s.updateStrategy === 'RollingUpdate' ? {type: 'RollingUpdate', rollingUpdate: {partition: 0}} : {type: 'OnDelete'},
    ...(s.start ? {ordinals: {start: s.start}} : {}),
    template: {...t, ...(spec ? {spec} : {})},
  }
}

/** apps/v1 StatefulSet; its counts come from the pods it made (ready = Running). */
export function toV1StatefulSet(state: State, s: StatefulSetRecord) {
  const pods = setPods(state, s)
  const revision = revisionOf(s)
  const ready = pods.filter((p) => p.phase === 'Running').length
  const updated = pods.filter((p) => p.labels[REVISION_LABEL] === revision).length
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      uid: s.uid,
      creationTimestamp: s.createdAt,
      ...(Object.keys(s.labels).length ? {labels: s.labels} : {}),
      ...(s.annotations && Object.keys(s.annotations).length ? {annotations: s.annotations} : {}),
    },
    spec: v1Spec(s, false),
    status: {
      replicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      currentRevision: revision,
      updateRevision: revision,
    },
  }
}

/** The manifest `export` writes: what `kubectl apply -f` takes on a real cluster. */
export const statefulSetManifest = (s: StatefulSetRecord) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: {name: s.name, namespace: s.namespace, ...(Object.keys(s.labels).length ? {labels: s.labels} : {})},
  spec: v1Spec(s, true),
})
