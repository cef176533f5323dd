import {deploymentKind, podKind} from '../pod/kinds.js'
import {ingressKind} from '../ingress/kinds.js'
import {secretKind} from '../secret/kinds.js'
import {serviceKind} from '../svc/kinds.js'
import {namespaceKind} from '../namespace/kinds.js'
import {ingressClassKind} from '../ingress/class-kind.js'
import {networkPolicyKind} from '../netpol/kinds.js'
import {configMapKind} from '../configmap/kinds.js'
import {endpointSliceKind, endpointsKind} from '../endpoints/kinds.js'
import {statefulSetKind} from '../statefulset/kinds.js'
import type {KindHandler} from './kinds.js'

/** The kinds `apply -f` and `delete -f` know. */
export const manifestKinds: ReadonlyMap<string, KindHandler> = new Map([
  ['Pod', podKind],
  ['Deployment', deploymentKind],
  ['Service', serviceKind],
  ['Ingress', ingressKind],
  ['Secret', secretKind],
  ['Namespace', namespaceKind],
  ['IngressClass', ingressClassKind],
  ['NetworkPolicy', networkPolicyKind],
  ['ConfigMap', configMapKind],
  ['Endpoints', endpointsKind],
  ['EndpointSlice', endpointSliceKind],
  ['StatefulSet', statefulSetKind],
])
