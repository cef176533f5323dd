import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {dockerLogsArgv} from '../../src/lib/kubectl/logs.js'
import {pod} from './svc-fixture.js'

describe('logs', () => {
  const p = pod('web', 'node1', '10.244.0.5', {})
  it('docker logs with the flags kubectl users give', () => {
    expect(dockerLogsArgv(p, 'c', {tail: 10, since: 300, timestamps: true, follow: true})).toEqual(['docker', 'logs', '-f', '--tail', '10', '--since', '300s', '--timestamps', 'k8s_c_web_default'])
  })
  it('--previous: the lines before the last start, or kubectl\'s error when the container never restarted; not with --follow', () => {
    const argv = dockerLogsArgv(p, 'c', {previous: true, tail: 5})
    expect(argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(argv.slice(3)).toEqual(['sh', 'k8s_c_web_default', 'c', 'web', '--tail', '5'])
    // run by a real sh, with a docker that answers the inspect as told and prints what logs is asked
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-logs-'))
    try {
      const run = (inspect: string) => {
        writeFileSync(join(dir, 'docker'), `#!/bin/sh\nif [ "$1" = inspect ]; then echo '${inspect}'; else echo "$@"; fi\n`)
        chmodSync(join(dir, 'docker'), 0o755)
        return spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', env: {...process.env, PATH: `${dir}:${process.env.PATH}`}})
      }
      // running: the lines before its last start
      expect(run('2 true S1 F1').stdout).toBe('logs --until S1 --tail 5 k8s_c_web_default\n')
      // between two runs: the lines until the last run ended
      expect(run('1 false S1 F1').stdout).toBe('logs --until F1 --tail 5 k8s_c_web_default\n')
      const never = run('0 true S1 0001-01-01T00:00:00Z')
      expect([never.status, never.stderr]).toEqual([1, 'previous terminated container "c" in pod "web" not found\n'])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
    expect(() => dockerLogsArgv(p, 'c', {previous: true, follow: true})).toThrowError(/--previous and --follow cannot go together/)
  })
})
