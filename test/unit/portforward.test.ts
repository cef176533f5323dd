import {describe, expect, it} from 'vitest'
import {Host} from '../../src/lib/host/host.js'
import {forwardTarget, parseForwards} from '../../src/lib/kubectl/portforward.js'
import {fixture, pod, svc} from './svc-fixture.js'

describe('port-forward', () => {
  it("reads kubectl's port words", () => {
    expect(parseForwards(['8080:80', ':443', '9000'])).toEqual([{local: 8080, remote: 80}, {local: 0, remote: 443}, {local: 9000, remote: 9000}])
    expect(() => parseForwards(['80:http'])).toThrowError(expect.objectContaining({exitCode: 2, message: 'remote port "80:http" is not a port (1-65535)'}))
    expect(() => parseForwards([])).toThrowError(/no port given/)
  })
  it("a service forwards to one of its pods, the service port mapped to that pod's target port", () => {
    const s = fixture([pod('a', 'node2', '10.244.1.5', {app: 'web'}, [{name: 'http', containerPort: 8080}])], [svc('web', '10.96.0.20', {ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 'http'}]})])
    expect(forwardTarget(s, 'default', 'svc/web', [{local: 9000, remote: 80}])).toMatchObject({pod: {name: 'a', ip: '10.244.1.5', node: 'node2'}, forwards: [{local: 9000, remote: 8080}]})
    expect(forwardTarget(s, 'default', 'pod/a', [{local: 9000, remote: 8080}]).forwards).toEqual([{local: 9000, remote: 8080}])
    expect(() => forwardTarget(s, 'default', 'svc/web', [{local: 1, remote: 81}])).toThrowError('service default/web has no port 81')
    expect(() => forwardTarget(s, 'default', 'deploy/web', [])).toThrowError(/takes pod\/NAME or svc\/NAME/)
  })
  it('ssh forwards over a connection of its own, with nothing run on the node', () => {
    const argv = new Host('node2', {kind: 'ssh', user: 'admin', host: '192.168.56.12', port: 2222, sudo: true}).forwardCommand([{listen: '127.0.0.1:9000', to: '10.244.1.5:8080'}])
    expect(argv.slice(-5)).toEqual(['ExitOnForwardFailure=yes', '-N', '-L', '127.0.0.1:9000:10.244.1.5:8080', 'admin@192.168.56.12'])
    expect(argv).toContain('ControlMaster=no')
    expect(argv).toContain('ControlPath=none')
    expect(argv).not.toContain('--')
    expect(argv[argv.indexOf('-p') + 1]).toBe('2222')
  })
})
