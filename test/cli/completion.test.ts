import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {sampleState} from '../unit/fixtures.js'
import {BIN, tempDir} from './helpers.js'

/** The completion script in a real bash: what TAB offers after the words typed. */
describe('shell completion', () => {
  const dir = tempDir('completion')
  const state = join(dir, 'state.json')
  const s = sampleState()
  s.pods['shop/cart'] = {...s.pods['default/client'], namespace: 'shop', name: 'cart', uid: 'u-cart'}
  writeFileSync(state, JSON.stringify(s))
  const complete = (...words: string[]): string[] => {
    const script = `mk8s() { node ${JSON.stringify(BIN)} "$@"; }
source <(mk8s completion bash)
COMP_WORDS=(mk8s ${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length}
_mk8s_complete; printf '%s\\n' "\${COMPREPLY[@]}"`
    const r = spawnSync('bash', ['-c', script], {env: {...process.env, MK8S_STATE: state, NO_COLOR: '1'}, encoding: 'utf8'})
    expect(r.status, r.stderr).toBe(0)
    return r.stdout.split('\n').filter(Boolean)
  }
  const pods = (ns: string) => Object.values(s.pods).filter((p) => p.namespace === ns).map((p) => p.name).sort()

  it('commands, then a topic\'s subcommands', () => {
    expect(complete('ge')).toEqual(['get'])
    expect(complete('pod', '')).toEqual(['delete', 'describe', 'exec', 'get', 'list', 'logs', 'ls', 'rm', 'run'])
  })
  it("names from the state: kubectl's verbs after the kind, logs and exec, the topic commands; -n is followed", () => {
    expect(pods('default').length).toBeGreaterThan(0)
    expect(complete('get', 'pods', '').sort()).toEqual(pods('default'))
    expect(complete('get', 'po', pods('default')[0].slice(0, 2))).toEqual(pods('default').filter((p) => p.startsWith(pods('default')[0].slice(0, 2))))
    expect(complete('logs', '').sort()).toEqual(pods('default'))
    expect(complete('pod', 'exec', '').sort()).toEqual(pods('default'))
    expect(complete('node', 'get', '').sort()).toEqual(Object.keys(s.nodes).sort())
    expect(complete('get', 'no', '').sort()).toEqual(Object.keys(s.nodes).sort())
    expect(complete('-n', 'shop', 'get', 'pods', '')).toEqual(['cart'])
    expect(complete('logs', '--namespace=shop', '')).toEqual(['cart'])
    expect(complete('get', '').includes('deploy')).toBe(true)
    expect(complete('pod', 'run', '')).toEqual([])
  })
})
