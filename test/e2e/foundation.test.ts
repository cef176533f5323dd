import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LAB_NODES, TestCluster} from './helpers.js'

const c = new TestCluster()

describe('foundation: lab, cluster, nodes, netns', () => {
  beforeAll(async () => {
    await c.up()
  })
  afterAll(async () => {
    await c.down()
  })

  it('lab hosts are separate hosts: own hostname, sshd and dockerd with the local images', async () => {
    const st = await c.json<{items: Array<{name: string; ssh: boolean; docker: boolean; images: string[]}>}>(['lab', 'status'])
    expect(st.items.map((i) => i.name)).toEqual([...LAB_NODES])
    for (const i of st.items) {
      expect(i.ssh && i.docker).toBe(true)
      expect(i.images).toEqual(['mk8s/busybox:latest', 'mk8s/pause:latest'])
    }
    const h = await c.onNode('node2', ['hostname'])
    expect(h.stdout.trim()).toBe('node2')
  })

  it('three Ready nodes with distinct /24s, a cni0 bridge holding .1 and forwarding on', async () => {
    const list = await c.json<{kind: string; items: any[]}>(['node', 'list'])
    expect(list.kind).toBe('List')
    expect(list.items.map((n) => n.status.conditions[0].status)).toEqual(['True', 'True', 'True'])
    const cidrs = list.items.map((n) => n.spec.podCIDR)
    expect(new Set(cidrs).size).toBe(3)
    expect(cidrs).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'])
    const br = await c.onNode('node3', ['ip', '-br', 'addr', 'show', 'cni0'])
    expect(br.stdout).toContain('10.244.2.1/24')
    expect((await c.onNode('node3', ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('1')
    const one = await c.json(['node', 'get', 'node1'])
    expect(one.kind).toBe('Node')
    expect(one.status.addresses).toContainEqual({type: 'InternalIP', address: '192.168.56.11'})
  })

  it('joining twice changes nothing; a taken name or address is refused with exit 2', async () => {
    const before = readFileSync(c.state, 'utf8')
    await c.ok(['node', 'join', 'node1', '--ssh', 'root@192.168.56.11'])
    expect(JSON.parse(readFileSync(c.state, 'utf8')).nodes.node1.podCIDR).toBe(JSON.parse(before).nodes.node1.podCIDR)
    const taken = await c.run(['node', 'join', 'node1', '--ssh', 'root@192.168.56.12'])
    expect(taken.code).toBe(2)
    expect(taken.stderr).toMatch(/taken/)
    const again = await c.run(['node', 'join', 'other', '--ssh', 'root@192.168.56.12'])
    expect(again.code).toBe(2)
  })

  it('an unreachable host is exit 3, naming it; a second init with other settings is exit 2', async () => {
    const r = await c.run(['node', 'join', 'ghost', '--ssh', 'root@192.168.56.99'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('ghost')
    const init = await c.run(['cluster', 'init', '--pod-cidr', '10.200.0.0/16'])
    expect(init.code).toBe(2)
    expect(init.stderr).toMatch(/cluster reset/)
  })

  it('the p2p model: two namespaces over a veth pair ping each other', async () => {
    await c.ok(['netns', 'add', 'red'])
    await c.ok(['netns', 'add', 'blue'])
    await c.ok(['netns', 'link', 'red', 'blue', '--cidr', '10.0.0.0/30'])
    await c.ok(['netns', 'link', 'red', 'blue', '--cidr', '10.0.0.0/30'])
    const p = await c.run(['netns', 'exec', 'red', '--', 'ping', '-c1', '-W2', '10.0.0.2'])
    expect(p.code, p.stdout + p.stderr).toBe(0)
    expect(p.stdout).toContain('1 received')
  })

  it('the bridge model: members on a bridge reach each other and the bridge', async () => {
    await c.ok(['netns', 'add', 'x1', '--node', 'node2'])
    await c.ok(['netns', 'add', 'x2', '--node', 'node2'])
    await c.ok(['netns', 'bridge', 'br0', '--members', 'x1,x2', '--cidr', '10.0.1.0/24', '--node', 'node2'])
    for (const ip of ['10.0.1.3', '10.0.1.1']) {
      const p = await c.run(['netns', 'exec', 'x1', '--node', 'node2', '--', 'ping', '-c1', '-W2', ip])
      expect(p.code, p.stdout + p.stderr).toBe(0)
    }
    const overlap = await c.run(['netns', 'bridge', 'br1', '--members', 'x1', '--cidr', '10.0.1.128/25', '--node', 'node2'])
    expect(overlap.code).toBe(2)
    await c.ok(['netns', 'del', 'br0', '--node', 'node2'])
    expect((await c.onNode('node2', ['ip', 'link', 'show', 'br0'])).code).not.toBe(0)
    const left = await c.onNode('node2', ['sh', '-c', 'ip -o link | grep -cE ": mk8s[0-9a-f]{8}@" || true'])
    expect(left.stdout.trim()).toBe('0')
  })

  it('a hostile name is refused with exit 2 and runs nothing anywhere', async () => {
    rmSync('/tmp/p', {force: true})
    for (const args of [
      ['netns', 'add', 'x;touch /tmp/p'],
      ['node', 'join', 'x;touch /tmp/p', '--ssh', 'root@192.168.56.11'],
      ['netns', 'bridge', 'b$(touch /tmp/p)', '--members', 'red', '--cidr', '10.9.0.0/24'],
      ['node', 'join', 'n9', '--ssh', 'root@h;touch /tmp/p'],
    ]) {
      const r = await c.run(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/invalid/)
    }
    expect(existsSync('/tmp/p')).toBe(false)
    for (const n of LAB_NODES) expect((await c.onNode(n, ['test', '-e', '/tmp/p'])).code).not.toBe(0)
  })

  it('ten parallel netns add all land in the state', async () => {
    const names = Array.from({length: 10}, (_, i) => `par${i}`)
    const rs = await Promise.all(names.map((n) => c.run(['netns', 'add', n, '--node', 'node3'])))
    expect(rs.map((r) => r.code)).toEqual(names.map(() => 0))
    const st = JSON.parse(readFileSync(c.state, 'utf8'))
    for (const n of names) expect(st.netns[`node3/${n}`]).toBeDefined()
    const onHost = (await c.onNode('node3', ['ip', 'netns', 'list'])).stdout
    for (const n of names) expect(onHost).toMatch(new RegExp(`^${n}\\b`, 'm'))
  })

  it('a corrupt state file is reported and left as it is', async () => {
    const bad = `${c.dir}/bad.json`
    writeFileSync(bad, '{"apiVersion": "mk8s/v1", "version": 1, "nodes": [')
    const r = await c.run(['node', 'list', '--state', bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/not valid JSON/)
    expect(readFileSync(bad, 'utf8')).toBe('{"apiVersion": "mk8s/v1", "version": 1, "nodes": [')
    writeFileSync(bad, JSON.stringify({apiVersion: 'mk8s/v1', version: 99, nodes: {}}))
    const newer = await c.run(['node', 'list', '--state', bad])
    expect(newer.code).toBe(1)
    expect(newer.stderr).toMatch(/newer/)
  })

  it('node leave removes what join made; --dry-run shows commands and changes nothing', async () => {
    const dry = await c.run(['node', 'leave', 'node3', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('ip link del cni0')
    expect((await c.onNode('node3', ['ip', 'link', 'show', 'cni0'])).code).toBe(0)
    await c.ok(['node', 'leave', 'node3'])
    expect((await c.onNode('node3', ['ip', 'link', 'show', 'cni0'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['ip', 'netns', 'list'])).stdout.trim()).toBe('')
    expect(JSON.parse(readFileSync(c.state, 'utf8')).nodes.node3).toBeUndefined()
  })
})
