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
    expect(argv[2]).toContain('docker logs --until "$(docker inspect -f \'{{.State.StartedAt}}\' "$c")" "$@" "$c"')
    expect(argv.slice(3)).toEqual(['sh', 'k8s_c_web_default', 'c', 'web', '--tail', '5'])
    expect(() => dockerLogsArgv(p, 'c', {previous: true, follow: true})).toThrowError(/--previous and --follow cannot go together/)
  })
})
