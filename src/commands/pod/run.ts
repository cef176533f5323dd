import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {afterDashDash} from '../../lib/cli/flags.js'
import {renderPods} from '../../lib/pod/render.js'
import {createPods} from '../../lib/pod/service.js'
import {parseLabels} from '../../lib/pod/spec.js'
import {toV1Pod} from '../../lib/pod/v1.js'
import {InputError} from '../../lib/errors.js'

export default class PodRun extends BaseCommand<typeof PodRun> {
  static override summary = 'Run a pod: a pause container with its own network namespace, wired to cni0, and the app container in it'
  static override description = `Like 'kubectl run': one container named after the pod. The pause container starts with --network none;
mk8s gives its namespace a veth on the node's cni0 bridge, an address from the node's /24 and a default
route via the bridge; the app container joins with --network container:<pause>. Placement: --node, else
the Ready node with the fewest pods.`
  static override examples = [
    '<%= config.bin %> pod run web --image mk8s/busybox -l app=web --port 80 -- httpd -f -p 80',
    '<%= config.bin %> pod run client --image mk8s/busybox --node node2 -- sleep 3600',
    '<%= config.bin %> pod run web --image mk8s/busybox --dry-run -- httpd -f -p 80',
    '<%= config.bin %> pod run pub --image mk8s/busybox --port 30080:80 -- httpd -f -p 80    # hostPort',
    '<%= config.bin %> pod run hostweb --image mk8s/busybox --host-network -- httpd -f -p 8080',
    '<%= config.bin %> pod run alone --image mk8s/busybox --network none -- sleep 3600',
  ]
  static override strict = false
  static override args = {name: Args.string({description: 'pod name (DNS-1123 label)', required: true})}
  static override flags = {
    image: Flags.string({description: 'container image (present on the node, or pullable)', required: true}),
    label: Flags.string({char: 'l', description: 'label key=value (repeatable)', multiple: true}),
    port: Flags.string({description: 'container port, e.g. 80 or 53/UDP; HOST:CONTAINER publishes it on the node (hostPort) (repeatable)', multiple: true}),
    'host-network': Flags.boolean({description: "share the node's network namespace (hostNetwork: the pod's IP is the node's)", default: false}),
    network: Flags.option({options: ['pod', 'none'] as const, default: 'pod', description: 'none: the pod gets only lo (Docker\'s fourth mode)'})(),
    env: Flags.string({char: 'e', description: 'environment variable NAME=VALUE (repeatable)', multiple: true}),
    restart: Flags.option({options: ['Always', 'OnFailure', 'Never'] as const, default: 'Always', description: 'restart policy'})(),
    node: Flags.string({description: 'node to run on [default: the Ready node with the fewest pods]'}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const f = this.flags
    const cmd = afterDashDash(this.argv)
    const ports = (f.port ?? []).map((p) => {
      const m = /^(?:(\d{1,5}):)?(\d{1,5})(?:\/(TCP|UDP|tcp|udp))?$/.exec(p)
      if (!m) throw new InputError(`invalid --port ${JSON.stringify(p)}`, 'e.g. --port 80, --port 53/UDP or --port 30080:80')
      return {containerPort: Number(m[2]), protocol: (m[3] ?? 'TCP').toUpperCase(), ...(m[1] ? {hostPort: Number(m[1])} : {})}
    })
    const env = (f.env ?? []).map((e) => {
      const i = e.indexOf('=')
      if (i < 1) throw new InputError(`invalid --env ${JSON.stringify(e)}`, 'e.g. --env MODE=demo')
      return {name: e.slice(0, i), value: e.slice(i + 1)}
    })
    const spec = {
      restartPolicy: f.restart,
      hostNetwork: f['host-network'],
      containers: [{name: this.args.name, image: f.image, ...(cmd.length ? {command: cmd} : {}), ports, env}],
    }
    const [pod] = await createPods(this.ctx, [{namespace: this.flags.namespace, name: this.args.name, labels: parseLabels(f.label ?? []), spec, network: f.network}], {node: f.node})
    this.render(toV1Pod(pod), () => `pod/${pod.name} created on ${pod.node} with IP ${pod.ip}\n${renderPods([{pod, containers: []}], false)}`)
    return pod
  }
}
