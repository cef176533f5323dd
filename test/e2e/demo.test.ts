import {afterAll, describe, expect, it} from 'vitest'
import {LAB_NODES, leftoversOn, TestCluster} from './helpers.js'

/** The README's main job: `mk8s demo` on the lab, every step's checks passing with real traffic. */
describe('mk8s demo', () => {
  const c = new TestCluster()
  afterAll(async () => {
    // the demo leaves its cluster up for people to explore; the tests after this one need the hosts bare
    await c.down()
    for (const n of LAB_NODES) expect(await leftoversOn(n), n).toEqual(['0', '0', '0'])
  })

  it('passes every step and ends with the table of checks; piped output is plain', async () => {
    const r = await c.run(['demo', '-o', 'json'], {timeout: 900_000})
    const out = JSON.parse(r.stdout) as {checks: Array<{check: string; pass: boolean; detail?: string}>; steps: Array<{id: string}>; passed: number; failed: number}
    expect(out.checks.filter((x) => !x.pass)).toEqual([])
    expect(out.steps.map((s) => s.id)).toEqual(['cluster', 'p2p', 'bridge', 'pod', 'pod-to-pod', 'clusterip', 'nodeport', 'dns', 'ingress', 'trace'])
    expect(out.failed).toBe(0)
    expect(out.passed).toBe(out.checks.length)
    expect(r.code).toBe(0)
    // once more, for people, one step: the commands it ran, its checks, and the table (no escape codes on a pipe)
    const human = await c.run(['demo', '--step', 'pod-to-pod'], {timeout: 600_000})
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/\$ mk8s /)
    expect(human.stdout).toMatch(/\d+ passed, 0 failed/)
    expect(human.stdout).not.toContain('\u001B')
  }, 1_200_000)
})
