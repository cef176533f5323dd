import type {DemoStep} from './runner.js'

const LAB = ['node1', 'node2', 'node3']
const addr = (n: string) => `192.168.56.${10 + Number(n.slice(4))}`

/** The documents' scenarios, in their order. Each step runs real commands and checks real traffic. */
export const demoSteps = (): DemoStep[] => [
  {
    id: 'cluster',
    title: 'A cluster of three hosts',
    explains: 'Three hosts made on this machine (own sshd and dockerd) join one cluster; each gets a /24 of 10.244.0.0/16 and a cni0 bridge holding .1.',
    async run(c) {
      await c.ok(['cluster', 'reset', '--force'])
      await c.ok(['cluster', 'init'])
      for (const n of LAB) await c.ok(['node', 'join', n, '--ssh', `root@${addr(n)}`])
      const nodes = JSON.parse(await c.ok(['node', 'list', '-o', 'json'])).items as Array<{spec: {podCIDR: string}; status: {conditions: Array<{status: string}>}}>
      c.check('three nodes Ready', nodes.length === 3 && nodes.every((n) => n.status.conditions[0].status === 'True'))
      c.check('distinct /24 per node', new Set(nodes.map((n) => n.spec.podCIDR)).size === 3, nodes.map((n) => n.spec.podCIDR).join(' '))
    },
  },
  {
    id: 'p2p',
    title: 'Two namespaces over a veth pair',
    explains: 'The "simple p2p" model: ip netns add red/blue, a veth pair between them, 10.0.0.1 and 10.0.0.2, and a ping across.',
    async run(c) {
      await c.ok(['netns', 'add', 'red'])
      await c.ok(['netns', 'add', 'blue'])
      await c.ok(['netns', 'link', 'red', 'blue', '--cidr', '10.0.0.0/30'])
      const p = await c.mk8s(['netns', 'exec', 'red', '--', 'ping', '-c1', '-W2', '10.0.0.2'])
      c.check('red pings blue over the veth pair', p.code === 0, p.stdout.split('\n').find((l) => l.includes('received')))
    },
  },
  {
    id: 'bridge',
    title: 'The bridge model',
    explains: 'Namespaces on a Linux bridge: each on a veth port, the bridge holds .1 and is their default gateway.',
    async run(c) {
      for (const n of ['green', 'yellow']) await c.ok(['netns', 'add', n])
      await c.ok(['netns', 'bridge', 'br0', '--members', 'green,yellow', '--cidr', '10.0.1.0/24'])
      const p = await c.mk8s(['netns', 'exec', 'green', '--', 'ping', '-c1', '-W2', '10.0.1.3'])
      c.check('green pings yellow across br0', p.code === 0)
      const g = await c.mk8s(['netns', 'exec', 'green', '--', 'ping', '-c1', '-W2', '10.0.1.1'])
      c.check('green pings the bridge (its gateway)', g.code === 0)
    },
  },
]
