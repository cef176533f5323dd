import {homedir} from 'node:os'
import {join} from 'node:path'

/** Where the lab keeps its keys, per-host folders and namespace handles. */
export const labDir = (): string => process.env.MK8S_LAB_DIR || join(homedir(), '.mk8s', 'lab')

export const LAB = {
  bridge: 'mk8s-lab0',
  gateway: '192.168.56.1',
  prefix: 24,
  network: '192.168.56.0/24',
  chain: 'MK8S-LAB',
  firstHost: 11,
  maxNodes: 9,
} as const

export interface LabNode {
  name: string
  address: string
  netns: string
}

export const labNode = (i: number): LabNode => ({
  name: `node${i}`,
  address: `192.168.56.${LAB.firstHost + i - 1}`,
  netns: `mk8s-node${i}`,
})

export interface LabPaths {
  dir: string
  key: string
  knownHosts: string
  authorizedKeys: string
  meta: string
  nsDir: string
  images: string
  node: (name: string) => string
}

export function labPaths(dir = labDir()): LabPaths {
  return {
    dir,
    key: join(dir, 'id_ed25519'),
    knownHosts: join(dir, 'known_hosts'),
    authorizedKeys: join(dir, 'authorized_keys'),
    meta: join(dir, 'lab.json'),
    nsDir: join(dir, 'ns'),
    images: join(dir, 'images'),
    node: (name) => join(dir, 'nodes', name),
  }
}
