/**
 * Where the areas tell each other what to do when nodes come and go. Imported once by the base
 * command; each area adds one line here instead of the node service knowing them all.
 */
import {nodeHooks} from './node/hooks.js'
import {netnsForgetNode} from './netns/service.js'
import {manifestKinds} from './manifest/kinds.js'
import {deploymentKind, podKind} from './pod/kinds.js'
import {podsBlockLeave, podsForgetNode} from './pod/service.js'
import {hostPortsForgetNode, hostPortsOnJoin, syncHostPorts} from './hostport/service.js'
import {overlayCheckJoin, overlayJoin, overlayLeave} from './overlay/service.js'
import {serviceKind} from './svc/kinds.js'
import {servicesOnJoin, servicesOnLeave, servicesOnObjectsChanged} from './svc/service.js'
import {dnsOnJoin, dnsOnLeave, dnsOnObjectsChanged} from './dns/service.js'
import {ingressKind} from './ingress/kinds.js'
import {ingressOnJoin, ingressOnLeave, ingressOnObjectsChanged} from './ingress/service.js'
import {secretKind} from './secret/kinds.js'
import {namespaceKind} from './namespace/kinds.js'
import {ingressClassKind} from './ingress/class-kind.js'
import {configMapKind} from './configmap/kinds.js'

nodeHooks.leave.push(netnsForgetNode)
// pods go before the node's namespaces and devices
nodeHooks.beforeLeave.push(podsBlockLeave)
nodeHooks.leave.unshift(podsForgetNode)
manifestKinds.set('Pod', podKind)
manifestKinds.set('Deployment', deploymentKind)
nodeHooks.objectsChanged.push(syncHostPorts)
nodeHooks.leave.push(hostPortsForgetNode)
// the pod network first: a joining node's peers are wired before services are programmed on it
nodeHooks.beforeJoin.push(overlayCheckJoin)
nodeHooks.join.push(overlayJoin)
nodeHooks.leave.push(overlayLeave)
nodeHooks.join.push(servicesOnJoin, hostPortsOnJoin)
nodeHooks.leave.push(servicesOnLeave)
nodeHooks.objectsChanged.push(servicesOnObjectsChanged)
manifestKinds.set('Service', serviceKind)
// cluster DNS: dnsmasq on every node; the ingress controller: nginx on the ingress node
nodeHooks.join.push(dnsOnJoin, ingressOnJoin)
nodeHooks.leave.push(ingressOnLeave, dnsOnLeave)
nodeHooks.objectsChanged.push(dnsOnObjectsChanged, ingressOnObjectsChanged)
manifestKinds.set('Ingress', ingressKind)
manifestKinds.set('Secret', secretKind)
manifestKinds.set('Namespace', namespaceKind)
manifestKinds.set('IngressClass', ingressClassKind)
manifestKinds.set('ConfigMap', configMapKind)
