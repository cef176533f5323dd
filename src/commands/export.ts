import {Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {exportManifests} from '../lib/export/manifests.js'
import {toYamlDocuments} from '../lib/export/yaml.js'

export default class Export extends BaseCommand<typeof Export> {
  static override summary = "Write the cluster's objects as Kubernetes manifests that kubectl apply accepts"
  static override description =
    'Namespaces (with their labels), IngressClasses, Secrets, ConfigMaps, Services, Deployments, StatefulSets, the Pods not made by either, and Ingresses, with apiVersion, kind, metadata (name, namespace, ' +
    'labels) and spec; what only means something in this cluster (uids, times, addresses, ClusterIPs, the node a pod ' +
    'runs on) is left out, so a real cluster allocates its own. Namespaces other than the built-in ones come first. ' +
    'Multi-document YAML by default; -o json gives a v1 List.'
  static override examples = [
    '<%= config.bin %> export > cluster.yaml',
    '<%= config.bin %> export -A > everything.yaml && kubectl apply -f everything.yaml',
    '<%= config.bin %> export -n shop -o json | jq ".items[].kind"',
  ]
  static override flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'every namespace, not only -n', default: false}),
  }

  async run(): Promise<unknown> {
    const items = exportManifests(this.ctx.store.read(), this.flags['all-namespaces'] ? undefined : this.flags.namespace)
    this.render({apiVersion: 'v1', kind: 'List', items}, () => toYamlDocuments(items).trimEnd())
    return items
  }
}
