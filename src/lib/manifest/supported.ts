/**
 * What mk8s does with each field of each kind it applies (see fields.ts). A field the parsers act
 * on is `ok`; one kubectl writes in `kubectl get -o yaml` output is read-only or taken at its
 * default; everything else a Kubernetes object may hold is refused with the reason. docs/manifests.md
 * is these trees, and a unit test keeps the two, and the parsers' zod schemas, in step.
 */
import {defaults, list, map, obj, ok, readOnly, refuse, rule, type Field} from './fields.js'

const noPlacement = 'mk8s places pods itself, spreading them over the ready nodes'
const noProbes = 'mk8s runs readiness probes only: a pod is an endpoint once its containers run and its readinessProbe (if any) passed'
const probeDoc = 'probed from the pod\'s node by the mk8s command that starts the pod, until it passes (then the pod is an endpoint) or --wait-ready-timeout ends (it stays not ready); after that only mk8s doctor probes it again (--fix marks it ready or not ready): mk8s does not watch pods continuously'

/** metadata of a namespaced object, with what the API server writes accepted and not kept. */
export const metadataFields = (extra: Record<string, Field> = {}): Field =>
  obj({
    name: ok('DNS-1123 name'),
    namespace: ok('defaults to -n'),
    labels: map('label keys and values, validated as Kubernetes does'),
    annotations: map('free-form notes, as in Kubernetes (kubectl.kubernetes.io/last-applied-configuration included)'),
    uid: readOnly,
    resourceVersion: readOnly,
    generation: readOnly,
    creationTimestamp: readOnly,
    managedFields: readOnly,
    selfLink: readOnly,
    deletionTimestamp: readOnly,
    deletionGracePeriodSeconds: readOnly,
    generateName: refuse('mk8s does not make up names', 'give metadata.name'),
    ownerReferences: refuse('mk8s keeps no owner graph: the Deployment that makes pods owns them', 'apply the owner (the Deployment) instead of its pods'),
    finalizers: refuse('mk8s has no controllers that would remove finalizers', 'remove them'),
    ...extra,
  })

const top = (fields: Record<string, Field>, meta = metadataFields()): Field =>
  obj({apiVersion: ok(), kind: ok(), metadata: meta, ...fields, status: readOnly})

const containerFields = obj({
  name: ok('DNS-1123 label, unique in the pod'),
  image: ok('an image reference'),
  command: ok('the entrypoint'),
  args: ok(),
  workingDir: ok(),
  ports: list(
    obj({
      containerPort: ok('documents the port; named ports are what a Service targetPort may name'),
      protocol: ok('TCP or UDP'),
      name: ok('IANA service name, for a Service targetPort'),
      hostPort: ok('DNAT from the node, as the portmap plugin does'),
      hostIP: refuse('mk8s binds a hostPort on every address of the node', 'remove hostIP'),
    }),
  ),
  env: list(
    obj({
      name: ok(),
      value: ok('a literal value; $(VAR) names an earlier variable, $$ is one $'),
      valueFrom: obj({
        configMapKeyRef: obj({name: ok(), key: ok(), optional: ok()}),
        secretKeyRef: obj({name: ok(), key: ok(), optional: ok()}),
        fieldRef: obj({fieldPath: ok('metadata.name, metadata.namespace, metadata.uid, spec.nodeName, status.podIP or status.hostIP'), apiVersion: ok()}),
        resourceFieldRef: refuse('mk8s exposes no resource fields', 'give the value literally'),
      }, 'read when the pod starts, as kubelet does: a later change of the ConfigMap or Secret does not reach a running pod'),
    }),
  ),
  envFrom: list(obj({prefix: ok(), configMapRef: obj({name: ok(), optional: ok()}), secretRef: obj({name: ok(), optional: ok()})})),
  resources: obj({
    limits: obj({cpu: ok('Docker --cpus'), memory: ok('Docker --memory')}),
    requests: refuse('mk8s does not schedule by requests and sets no cgroup shares from them', 'remove requests (limits are applied)'),
    claims: refuse('mk8s has no dynamic resource allocation'),
  }),
  imagePullPolicy: ok('Always, IfNotPresent or Never'),
  terminationMessagePath: defaults(['/dev/termination-log'], 'what kubectl writes; mk8s keeps no termination message'),
  terminationMessagePolicy: defaults(['File'], 'what kubectl writes; mk8s keeps no termination message'),
  readinessProbe: obj({
    exec: obj({command: ok('run in the container (docker exec on its node); exit code 0 passes')}),
    httpGet: obj({
      path: ok('default /'),
      port: ok('a number or a container port name'),
      scheme: defaults(['HTTP'], 'mk8s probes over plain HTTP'),
      httpHeaders: list(obj({name: ok(), value: ok()})),
      host: refuse('mk8s probes the pod\'s own address', 'remove host'),
    }),
    tcpSocket: obj({port: ok('a number or a container port name'), host: refuse('mk8s probes the pod\'s own address', 'remove host')}),
    grpc: refuse('mk8s runs exec, httpGet and tcpSocket probes', 'use exec with a grpc health client, or tcpSocket'),
    initialDelaySeconds: ok('default 0'),
    periodSeconds: ok('default 10'),
    timeoutSeconds: ok('default 1 (an exec probe gets 2 s more, for docker exec itself)'),
    successThreshold: ok('default 1'),
    failureThreshold: ok('default 3; a ready pod is marked not ready by doctor --fix after this many failures in a row'),
    terminationGracePeriodSeconds: refuse('mk8s removes a pod\'s containers at once'),
  }, probeDoc),
  livenessProbe: refuse('mk8s runs no liveness probes; restartPolicy restarts a container that exits', 'remove it, or apply with --validate=warn'),
  startupProbe: refuse(noProbes, 'remove it, or apply with --validate=warn'),
  lifecycle: refuse('mk8s runs no postStart or preStop hooks'),
  volumeMounts: refuse('mk8s pods have no volumes'),
  volumeDevices: refuse('mk8s pods have no volumes'),
  securityContext: refuse('mk8s runs containers with Docker\'s defaults', 'remove it'),
  stdin: refuse('mk8s containers run detached', 'use mk8s pod exec -it'),
  stdinOnce: refuse('mk8s containers run detached', 'use mk8s pod exec -it'),
  tty: refuse('mk8s containers run detached', 'use mk8s pod exec -it'),
  resizePolicy: refuse('mk8s does not resize containers in place'),
  restartPolicy: refuse('mk8s has no sidecar containers', 'use spec.restartPolicy for the pod'),
})

export const podSpecFields: Field = obj({
  containers: list(containerFields),
  restartPolicy: ok('Always, OnFailure or Never (Docker restart policies)'),
  nodeName: ok('pins the pod to that node'),
  hostNetwork: ok('the node\'s own network namespace'),
  terminationGracePeriodSeconds: defaults([30], 'what kubectl writes; mk8s removes a pod\'s containers at once'),
  dnsPolicy: ok('ClusterFirst (the cluster DNS, the search path, ndots:5), Default (the node\'s resolv.conf) or None (dnsConfig alone)'),
  dnsConfig: obj({nameservers: ok('up to 3, after the policy\'s'), searches: ok('appended to the search path'), options: list(obj({name: ok(), value: ok()}))}),
  hostname: ok('the pod\'s hostname (default: the pod\'s name); /etc/hosts names the pod\'s address with it, as kubelet writes it'),
  subdomain: ok('the domain SUBDOMAIN.NAMESPACE.svc.CLUSTER-DOMAIN: hostname -f and /etc/hosts give the full name'),
  hostAliases: list(obj({ip: ok('IPv4'), hostnames: ok()})),
  schedulerName: defaults(['default-scheduler'], noPlacement),
  securityContext: defaults([{}], 'mk8s runs pods with Docker\'s defaults'),
  initContainers: refuse('mk8s runs no init containers', 'run the step in the main container\'s command'),
  ephemeralContainers: refuse('mk8s has no ephemeral containers', 'use mk8s pod exec'),
  volumes: refuse('mk8s pods have no volumes'),
  setHostnameAsFQDN: refuse('mk8s names the pod\'s UTS namespace after the pod'),
  hostPID: refuse('mk8s pods have their own PID namespace'),
  hostIPC: refuse('mk8s pods have their own IPC namespace'),
  hostUsers: refuse('mk8s pods use Docker\'s user namespace setting'),
  shareProcessNamespace: refuse('mk8s pods do not share a PID namespace'),
  serviceAccountName: refuse('mk8s has no API server and mounts no service account token'),
  serviceAccount: refuse('mk8s has no API server and mounts no service account token'),
  automountServiceAccountToken: refuse('mk8s has no API server and mounts no service account token'),
  enableServiceLinks: defaults([false], 'mk8s does not inject the legacy *_SERVICE_HOST variables; use the cluster DNS names'),
  nodeSelector: refuse(noPlacement, 'use spec.nodeName to pin a node'),
  affinity: refuse(noPlacement, 'use spec.nodeName to pin a node'),
  tolerations: refuse('mk8s nodes have no taints'),
  topologySpreadConstraints: refuse(noPlacement),
  priority: defaults([0], 'mk8s has no priorities'),
  priorityClassName: refuse('mk8s has no priorities'),
  preemptionPolicy: refuse('mk8s has no priorities'),
  activeDeadlineSeconds: refuse('mk8s does not stop pods after a deadline'),
  readinessGates: refuse(noProbes),
  runtimeClassName: refuse('mk8s runs every container with Docker\'s default runtime'),
  overhead: refuse('mk8s does not account pod overhead'),
  os: refuse('mk8s runs Linux pods only', 'remove it'),
  imagePullSecrets: refuse('mk8s pulls no images from registries that need credentials'),
  resourceClaims: refuse('mk8s has no dynamic resource allocation'),
  schedulingGates: refuse(noPlacement),
})

export const podFields = top({spec: podSpecFields})

const templateMeta = obj({
  labels: map('the pods\' labels; must include every selector label'),
  annotations: map('free-form notes'),
  creationTimestamp: readOnly,
  name: refuse('the Deployment names its pods', 'remove it'),
  namespace: refuse('the pods are made in the Deployment\'s namespace', 'remove it'),
})

export const deploymentFields = top({
  spec: obj({
    replicas: ok('pods kept, spread over the nodes'),
    selector: obj({matchLabels: ok(), matchExpressions: refuse('mk8s selects by matchLabels only', 'use matchLabels')}),
    template: obj({metadata: templateMeta, spec: podSpecFields}),
    strategy: defaults([{type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}}, {rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}, type: 'RollingUpdate'}], 'what kubectl writes; mk8s replaces the pods of an older template all at once'),
    revisionHistoryLimit: defaults([10], 'what kubectl writes; mk8s keeps no ReplicaSets'),
    progressDeadlineSeconds: defaults([600], 'what kubectl writes; mk8s reports no rollout progress'),
    minReadySeconds: defaults([0], 'a replica counts as available as soon as it is ready'),
    paused: refuse('mk8s does not pause rollouts'),
  }),
})

const setPodSpec: Field =
  podSpecFields.t === 'obj'
    ? obj({
        ...podSpecFields.fields,
        hostname: refuse('the StatefulSet sets each pod\'s hostname to its name, NAME-ORDINAL', 'remove it'),
        subdomain: refuse('the StatefulSet sets each pod\'s subdomain to spec.serviceName', 'remove it, and set spec.serviceName'),
      })
    : podSpecFields

export const statefulSetFields = top({
  spec: obj({
    replicas: ok('pods NAME-0..NAME-(replicas-1) (from ordinals.start), each with hostname NAME-i and the label statefulset.kubernetes.io/pod-name'),
    serviceName: ok('the governing (headless) Service: each pod\'s spec.subdomain, so that NAME-i.SERVICE.NAMESPACE.svc names it; cannot be changed'),
    selector: obj({matchLabels: ok('cannot be changed'), matchExpressions: refuse('mk8s selects by matchLabels only', 'use matchLabels')}),
    template: obj({
      metadata: obj({
        labels: map('the pods\' labels; must include every selector label'),
        annotations: map('free-form notes'),
        creationTimestamp: readOnly,
        name: refuse('the StatefulSet names its pods NAME-ORDINAL', 'remove it'),
        namespace: refuse('the pods are made in the StatefulSet\'s namespace', 'remove it'),
      }),
      spec: setPodSpec,
    }),
    podManagementPolicy: ok('OrderedReady (the default: each pod Running before the next is made, removed highest ordinal first) or Parallel (all at once); cannot be changed'),
    updateStrategy: obj({
      type: ok('RollingUpdate (a pod of an older template is replaced highest ordinal first, one at a time) or OnDelete (only a pod that was deleted is made new, on the next apply)'),
      rollingUpdate: obj({
        partition: defaults([0], 'mk8s updates every ordinal'),
        maxUnavailable: defaults([1], 'mk8s replaces one pod at a time'),
      }),
    }),
    ordinals: obj({start: ok('the first ordinal (default 0)')}),
    minReadySeconds: defaults([0], noProbes),
    revisionHistoryLimit: defaults([10], 'what kubectl writes; mk8s keeps no ControllerRevisions'),
    volumeClaimTemplates: rule('accepted when empty ([]): mk8s pods have no volumes', (v) =>
      Array.isArray(v) && v.length === 0 ? undefined : {why: 'mk8s pods have no volumes, so a StatefulSet makes no PersistentVolumeClaims', fix: 'remove volumeClaimTemplates (and the containers\' volumeMounts); keep state outside the pods'}),
    persistentVolumeClaimRetentionPolicy: defaults([{whenDeleted: 'Retain', whenScaled: 'Retain'}, {whenScaled: 'Retain', whenDeleted: 'Retain'}], 'what kubectl writes; mk8s has no volumes to retain'),
  }),
})

const servicePort = obj({
  name: ok('needed when there are several ports'),
  protocol: ok('TCP or UDP'),
  port: ok(),
  targetPort: ok('a number or a container port name'),
  nodePort: ok('NodePort and LoadBalancer; allocated from 30000-32767 when unset'),
  appProtocol: refuse('mk8s keeps no application protocol'),
})

/** clusterIPs, as kubectl writes it: the one clusterIP. */
const clusterIPs = rule('accepted when it is [spec.clusterIP], as kubectl writes it (one IPv4 family)', (v, parent) => {
  const ip = parent.clusterIP
  if (Array.isArray(v) && v.length === 1 && (ip === undefined || v[0] === ip)) return undefined
  return {why: 'mk8s gives a service one IPv4 ClusterIP', fix: 'remove clusterIPs, or make it [spec.clusterIP]'}
})

export const serviceFields = top({
  spec: obj({
    type: ok('ClusterIP, NodePort, LoadBalancer, or ExternalName (a DNS name only: no ClusterIP, no proxy rules)'),
    selector: map('pods with these labels are the endpoints'),
    ports: list(servicePort),
    clusterIP: ok('an address in the service CIDR, "None" (headless) or unset'),
    clusterIPs,
    ipFamilies: defaults([['IPv4']], 'mk8s services are IPv4'),
    ipFamilyPolicy: defaults(['SingleStack'], 'mk8s services are IPv4'),
    internalTrafficPolicy: ok('Cluster, or Local: traffic from pods and nodes to the ClusterIP goes only to endpoints on the same node, and is dropped on a node without one (kube-proxy\'s KUBE-SVL chain)'),
    sessionAffinity: ok('None or ClientIP (for sessionAffinityConfig\'s timeout, 10800 s unless set)'),
    sessionAffinityConfig: obj({clientIP: obj({timeoutSeconds: ok('1-86400, default 10800: the affinity timeout in the rules (iptables recent --seconds, the nft set\'s timeout); only with sessionAffinity ClientIP')})}),
    externalTrafficPolicy: ok('Cluster or Local (NodePort and LoadBalancer)'),
    loadBalancerIP: ok('an address of the pool (LoadBalancer)'),
    allocateLoadBalancerNodePorts: defaults([true], 'mk8s gives every LoadBalancer port a nodePort'),
    externalIPs: ok('IPv4 addresses: traffic that reaches a node for one of them on a service port is handled like the ClusterIP (kube-proxy\'s external destinations, with externalTrafficPolicy); routing the address to a node is yours'),
    loadBalancerSourceRanges: ok('IPv4 CIDRs (LoadBalancer): traffic to the LoadBalancer address from other sources is dropped at the node (kube-proxy\'s KUBE-FW chain and firewall); NodePorts are not filtered, as in Kubernetes'),
    loadBalancerClass: refuse('mk8s announces every LoadBalancer itself'),
    healthCheckNodePort: refuse('mk8s serves no health check port'),
    publishNotReadyAddresses: ok('kept on the service (false unless set): the endpoints and the cluster DNS include pods that are not ready'),
    externalName: ok('type ExternalName: a lower-case DNS name (a trailing dot allowed) that the cluster DNS gives as a CNAME'),
    trafficDistribution: refuse('mk8s sends traffic to every endpoint'),
  }),
})

export const secretFields = top({
  type: ok('Opaque or kubernetes.io/tls'),
  data: map('base64 values'),
  stringData: map('plain values, stored base64'),
  immutable: refuse('mk8s secrets can always be changed'),
})

const ingressBackend = obj({
  service: obj({name: ok('a Service of the namespace'), port: obj({number: ok(), name: ok('a port name of the Service')})}),
  resource: refuse('mk8s routes to Services only'),
})

const ingressClassName = ok('served when the class is mk8s\'s (an IngressClass of controller mk8s.io/ingress-nginx, or the names mk8s and nginx), or unset while no other class is the default; otherwise kept and reported, not served')

export const ingressFields = top({
  spec: obj({
    ingressClassName,
    defaultBackend: ingressBackend,
    tls: list(obj({hosts: ok(), secretName: ok('a kubernetes.io/tls Secret of the namespace')})),
    rules: list(
      obj({
        host: ok('a DNS name, or *.name'),
        http: obj({paths: list(obj({path: ok(), pathType: ok('Prefix, Exact or ImplementationSpecific (as Prefix)'), backend: ingressBackend}))}),
      }),
    ),
  }),
})

export const namespaceFields = top(
  {spec: obj({finalizers: defaults([['kubernetes']], 'what Kubernetes writes')})},
  metadataFields({namespace: refuse('a Namespace is not in a namespace', 'remove metadata.namespace')}),
)

export const configMapFields = top({
  data: map('string values; pods read them when they start'),
  binaryData: refuse('mk8s keeps text data only', 'put the value under data'),
  immutable: refuse('mk8s ConfigMaps can always be changed'),
})

export const ingressClassFields = top(
  {spec: obj({controller: ok('mk8s.io/ingress-nginx (or k8s.io/ingress-nginx) is mk8s\'s; another controller\'s classes are not served'), parameters: refuse('mk8s\'s nginx takes no class parameters')})},
  metadataFields({
    namespace: refuse('an IngressClass is not in a namespace', 'remove metadata.namespace'),
    annotations: map('ingressclass.kubernetes.io/is-default-class: "true" makes it the class of Ingresses without one'),
  }),
)

const selectorFields = obj({
  matchLabels: map('labels the selected objects have'),
  matchExpressions: list(obj({key: ok(), operator: ok('In, NotIn, Exists or DoesNotExist'), values: ok()})),
})
const peerFields = obj({
  podSelector: selectorFields,
  namespaceSelector: obj({matchLabels: map('Namespace labels, kubernetes.io/metadata.name included'), matchExpressions: list(obj({key: ok(), operator: ok(), values: ok()}))}),
  ipBlock: obj({cidr: ok('an IPv4 CIDR'), except: ok('CIDRs inside it')}),
})
const policyPorts = list(obj({protocol: ok('TCP, UDP or SCTP'), port: ok('a number, or a named container port resolved per pod'), endPort: ok('the last port of a range')}))

export const networkPolicyFields = top({
  spec: obj({
    podSelector: selectorFields,
    policyTypes: ok('Ingress, Egress; defaulted as Kubernetes does'),
    ingress: list(obj({from: list(peerFields), ports: policyPorts})),
    egress: list(obj({to: list(peerFields), ports: policyPorts})),
  }),
})

const targetRef = obj({
  kind: ok('kept and shown, any kind'),
  name: ok(),
  namespace: ok(),
  uid: ok(),
  apiVersion: ok(),
  resourceVersion: ok(),
  fieldPath: ok(),
}, 'kept and shown; mk8s does not follow it')
const endpointAddress = obj({
  ip: ok('an IPv4 address the nodes reach (a pod, a node, the control machine...); not loopback, link-local, multicast or in the service CIDR'),
  hostname: ok('a DNS label, kept and shown'),
  nodeName: ok('the node it is on: local there (externalTrafficPolicy: Local)'),
  targetRef,
})
const endpointPort = obj({
  name: ok('matched to the Service port of that name (both unnamed: the only port)'),
  port: ok('the port traffic is sent to'),
  protocol: ok('TCP or UDP, matched to the Service port\'s'),
  appProtocol: refuse('mk8s keeps no application protocol'),
})

export const endpointsFields = top({
  subsets: list(obj({
    addresses: list(endpointAddress),
    notReadyAddresses: list(endpointAddress),
    ports: list(endpointPort),
  }, 'the backends of the Service of the same name, while it has no selector (one with a selector takes its pods, as Kubernetes\' endpoints controller overwrites such an object)')),
})

const addressType = rule('IPv4 (mk8s services are IPv4)', (v) => (v === 'IPv4' ? undefined : {why: `mk8s serves IPv4 endpoints only, not ${JSON.stringify(v)}`, fix: v === 'FQDN' ? 'list the IPv4 addresses the name resolves to, with addressType: IPv4' : 'use addressType: IPv4 with IPv4 addresses'}))

export const endpointSliceFields = top({
  addressType,
  endpoints: list(obj({
    addresses: ok('IPv4 addresses, 1 to 100; the first is used, as kube-proxy does'),
    conditions: obj({
      ready: ok('false: not sent traffic; unset means ready'),
      serving: ok('kept and shown; mk8s sends traffic by ready only'),
      terminating: ok('kept and shown; mk8s sends traffic by ready only'),
    }),
    hostname: ok('a DNS label, kept and shown'),
    nodeName: ok('the node it is on: local there (externalTrafficPolicy: Local)'),
    zone: ok('kept and shown; mk8s has no zones'),
    targetRef,
    hints: refuse('mk8s has no topology-aware routing'),
    deprecatedTopology: refuse('mk8s has no topology-aware routing'),
  })),
  ports: list(obj({
    name: ok('matched to the Service port of that name (both unnamed: the only port)'),
    port: ok('the port traffic is sent to (required: mk8s does not route every port)'),
    protocol: ok('TCP or UDP, matched to the Service port\'s'),
    appProtocol: refuse('mk8s keeps no application protocol'),
  })),
}, metadataFields({
  labels: map('kubernetes.io/service-name: SERVICE makes these the backends of that Service (beside its pods when it has a selector, as kube-proxy does); a slice with endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io is Kubernetes\' own and not used (mk8s derives that one)'),
}))

/** Each kind's tree, by kind. */
export const kindFields: Record<string, Field> = {
  Pod: podFields,
  Deployment: deploymentFields,
  Service: serviceFields,
  Secret: secretFields,
  Ingress: ingressFields,
  Namespace: namespaceFields,
  IngressClass: ingressClassFields,
  NetworkPolicy: networkPolicyFields,
  ConfigMap: configMapFields,
  Endpoints: endpointsFields,
  EndpointSlice: endpointSliceFields,
  StatefulSet: statefulSetFields,
}
