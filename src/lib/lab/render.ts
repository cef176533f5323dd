import {table} from '../cli/table.js'
import type {LabNodeStatus} from './service.js'

const yn = (b: boolean) => (b ? 'yes' : 'NO')

export const renderLabStatus = (s: LabNodeStatus[]): string =>
  table(
    ['host', 'address', 'netns', 'ssh', 'docker', 'images'],
    s.map((n) => [n.name, n.address, yn(n.netns), yn(n.ssh), yn(n.docker), n.images.join(',') || '-']),
  )
