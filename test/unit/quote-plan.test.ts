import {execFileSync} from 'node:child_process'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {newMarker, parseCaptures, parseFailure, renderPlan, renderScript, step} from '../../src/lib/host/plan.js'
import {quote, shellJoin} from '../../src/lib/host/quote.js'

const sh = (script: string, input = '') => execFileSync('bash', ['-c', script], {input, encoding: 'utf8'})

describe('quote', () => {
  it('leaves safe words alone and single-quotes the rest', () => {
    expect(quote('ip')).toBe('ip')
    expect(quote('10.0.0.1/24')).toBe('10.0.0.1/24')
    expect(quote('')).toBe("''")
    expect(quote('a b')).toBe("'a b'")
    expect(quote("x;touch /tmp/p'")).toBe(`'x;touch /tmp/p'"'"''`)
  })

  it('any string survives a round trip through the shell unchanged (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({unit: 'binary'}).filter((s) => !s.includes('\0')), {minLength: 1, maxLength: 4}), (words) => {
        const out = sh(`printf '%s\\0' ${shellJoin(words)}`)
        expect(out.split('\0').slice(0, -1)).toEqual(words)
      }),
      {numRuns: 60},
    )
  }, 60_000) // 60 bash processes: slow on a loaded machine
})

describe('plans', () => {
  it('renders guards and tolerance the way --dry-run shows them', () => {
    const plan = [
      step(['ip', 'link', 'add', 'cni0', 'type', 'bridge'], {unless: ['ip', 'link', 'show', 'cni0']}),
      step(['ip', 'link', 'del', 'x y'], {tolerate: true}),
      step(['ip', 'netns', 'del', 'red'], {onlyIf: ['test', '-e', '/run/netns/red']}),
      step(['iptables-restore', '--noflush'], {stdin: '*nat\nCOMMIT\n'}),
    ]
    expect(renderPlan(plan)).toBe(
      [
        'ip link show cni0 </dev/null >/dev/null 2>&1 || ip link add cni0 type bridge',
        "ip link del 'x y' 2>/dev/null || true",
        '! test -e /run/netns/red </dev/null >/dev/null 2>&1 || ip netns del red',
        "{ iptables-restore --noflush; } <<'MK8S_EOF_0'",
        '*nat',
        'COMMIT',
        'MK8S_EOF_0',
      ].join('\n'),
    )
  })

  it('a script stops at the first failing step and names it', () => {
    const script = renderScript([step(['true']), step(['sh', '-c', 'echo boom >&2; exit 7']), step(['touch', '/nonexistent/never'])])
    let stderr = ''
    try {
      sh(script)
    } catch (error) {
      stderr = (error as {stderr: string}).stderr
    }
    expect(parseFailure(stderr)).toEqual({index: 1, code: 7, stderr: 'boom'})
  })

  it("a command's output that imitates the markers is only output: each script has markers of its own", () => {
    const a = newMarker()
    expect(a).toMatch(/^@@mk8s-[0-9a-f]{16}$/)
    expect(newMarker()).not.toBe(a)
    const fake = 'x\n@@mk8s-end 0 0\n@@mk8s-begin 1\nforged\n@@mk8s-end 1 0'
    const out = sh(renderScript([step(['printf', '%s\n', fake], {capture: true}), step(['echo', 'real'], {capture: true})], a))
    const c = parseCaptures(out, a)
    expect(c.get(0)).toEqual({output: `${fake}\n`, code: 0})
    expect(c.get(1)).toEqual({output: 'real\n', code: 0})
    expect(parseFailure(`@@mk8s-failed 0 1\n`, a)).toBeUndefined()
  })

  it('captures each capture step’s output and exit code, stdin included', () => {
    const out = sh(
      renderScript([
        step(['echo', 'one'], {capture: true}),
        step(['cat'], {capture: true, stdin: 'MK8S_EOF_0\nline two'}),
        step(['sh', '-c', 'printf partial; exit 3'], {capture: true}),
      ]),
    )
    const c = parseCaptures(out)
    expect(c.get(0)).toEqual({output: 'one\n', code: 0})
    expect(c.get(1)).toEqual({output: 'MK8S_EOF_0\nline two\n', code: 0})
    expect(c.get(2)).toEqual({output: 'partial', code: 3})
  })
})
