import {BaseCommand} from '../../lib/cli/base.js'
import {table} from '../../lib/cli/table.js'
import {netnsList} from '../../lib/netns/service.js'

export default class NetnsList extends BaseCommand<typeof NetnsList> {
  static override summary = 'List the namespaces, veth links and bridges mk8s made'
  static override aliases = ['netns ls']
  static override examples = ['<%= config.bin %> netns list', '<%= config.bin %> netns list -o json | jq -r ".items[].name"']

  async run(): Promise<unknown> {
    const {namespaces, links} = netnsList(this.ctx.store.read())
    const items = [...namespaces.map((n) => ({kind: 'namespace', ...n})), ...links]
    this.render({kind: 'List', items}, () =>
      items.length
        ? table(['node', 'kind', 'name', 'members', 'cidr'], [
          ...namespaces.map((n) => [n.node, 'namespace', n.name, '-', '-']),
          ...links.map((l) => [l.node, l.kind, l.name, l.members.join(','), l.cidr]),
        ])
        : 'No namespaces: make one with "mk8s netns add NAME".',
    )
    return items
  }
}
