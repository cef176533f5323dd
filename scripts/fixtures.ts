/**
 * Writes the unit tests' host fixtures from the planners' own output, as the real tools print it:
 * each script is run in a throwaway network namespace (unshare -n) and listed back.
 * Needs root (or CAP_NET_ADMIN), iptables and nft.   npx tsx scripts/fixtures.ts [--check]
 * --check: exit 1 when a fixture differs from what the planners give now (test/cli runs it).
 */
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {renderScript} from '../src/lib/host/plan.js'
import {netpolFullScript, netpolNodeModel} from '../src/lib/netpol/plan.js'
import {ALLOW_A, EGRESS_DENY, npFixture} from '../test/unit/netpol-fixture.js'
import {iptablesFixturePlan, iptablesFixtureState, nftFixtureState, nftScriptOf} from '../test/unit/host-fixtures.js'

const inNetns = (script: string, stdin = '') => execFileSync('unshare', ['-n', 'bash', '-c', script], {input: stdin, encoding: 'utf8'})

// iptables-save's first and last lines carry its version and the time: the fixture keeps neither
const iptablesSave = (text: string) => text.split('\n').filter((l) => !l.startsWith('# ')).join('\n')

const fixtures: Array<[string, () => string]> = [
  ['test/unit/fixtures/node1.nft', () => inNetns('nft -f - && nft list table ip mk8s', nftScriptOf(nftFixtureState(), 'node1'))],
  ['test/unit/fixtures/node1.iptables-save', () => iptablesSave(inNetns('bash -s && iptables-save -c', renderScript(iptablesFixturePlan(iptablesFixtureState()))))],
  ['test/unit/fixtures/node1-netpol.json', () => {
    const s = npFixture({'x/allow-a': ALLOW_A, 'x/egress-deny': EGRESS_DENY})
    return inNetns('nft -f - && nft -j list table inet mk8s-netpol', netpolFullScript(netpolNodeModel(s, s.nodes.node1)))
  }],
]

const check = process.argv.includes('--check')
let stale = 0
for (const [file, make] of fixtures) {
  const text = make()
  let was = ''
  try {
    was = readFileSync(file, 'utf8')
  } catch {}
  if (text === was) continue
  if (check) {
    console.error(`${file}: differs from what the planners give now (npx tsx scripts/fixtures.ts writes it)`)
    stale++
  } else {
    writeFileSync(file, text)
    console.log(`wrote ${file}`)
  }
}
process.exit(stale ? 1 : 0)
