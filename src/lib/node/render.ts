import {table} from '../cli/table.js'
import {describeTarget} from '../host/host.js'
import type {NodeRecord} from '../state/schema.js'
import {age} from '../util/age.js'

export const nodeStatus = (n: NodeRecord): string => (n.ready ? 'Ready' : n.reason === 'Joining' ? 'NotReady,Joining' : `NotReady${n.reason ? `,${n.reason}` : ''}`)

export const renderNodes = (nodes: NodeRecord[], wide: boolean): string =>
  wide
    ? table(['name', 'status', 'pod-cidr', 'internal-ip', 'age', 'target', 'iface', 'mtu', 'hostname'],
      nodes.map((n) => [n.name, nodeStatus(n), n.podCIDR, n.address, age(n.joinedAt), describeTarget(n.target), n.iface, n.mtu, n.hostname]))
    : table(['name', 'status', 'pod-cidr', 'internal-ip', 'age'], nodes.map((n) => [n.name, nodeStatus(n), n.podCIDR, n.address, age(n.joinedAt)]))
