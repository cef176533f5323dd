/**
 * Readiness probes as mk8s runs them (there is no kubelet on the nodes): the command that starts a
 * pod, and `mk8s doctor`, probe it from the pod's node, as kubelet probes from its node.
 *
 * - exec: `docker exec` of the command in the container (exit 0 passes);
 * - httpGet: a GET to the pod's address (podIP:port path, the headers given), over bash's
 *   /dev/tcp from the node: a status from 200 to 399 passes;
 * - tcpSocket: a TCP connection to podIP:port from the node.
 *
 * Each attempt is bounded by timeoutSeconds (coreutils timeout). The timing (initialDelaySeconds,
 * periodSeconds, successThreshold, failureThreshold) is the two loops below, over a clock given by
 * the caller. Pure: steps and judgements out, no host reached here.
 */
import {step, type Captured, type Step} from '../host/plan.js'
import type {PodRecord} from '../state/schema.js'
import {containerName} from './plan.js'
import type {Container, Probe} from './spec.js'

/** One GET over bash's /dev/tcp: "$1" address, "$2" port, "$3" path, then the header lines; prints the status line. */
export const HTTP_GET = `exec 3<>"/dev/tcp/$1/$2" || exit 2
p=$3; shift 3
{ printf 'GET %s HTTP/1.0\\r\\n' "$p"; for h in "$@"; do printf '%s\\r\\n' "$h"; done; printf '\\r\\n'; } >&3
IFS= read -r l <&3; printf '%s\\n' "$l"`

/** A TCP connection to "$1":"$2", closed at once. */
export const TCP_CONNECT = 'exec 3<>"/dev/tcp/$1/$2"'

export interface ProbeResult {
  ok: boolean
  detail: string
}

/** The container port a probe names: a number, or the name of one of the container's ports. */
export function probePort(c: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port
  return c.ports.find((p) => p.name === port)?.containerPort
}

/** docker exec itself (the client, the API call, the exec set up) takes time that is not the probe's: exec probes get this much more. */
export const EXEC_SLACK_SECONDS = 2

const bounded = (seconds: number, argv: string[]): string[] => ['timeout', '-k', '1', String(seconds), ...argv]

/** The request headers of an httpGet probe, as kubelet sends them: Host, User-Agent and Accept unless the probe gives its own. */
export function httpHeaders(probe: Probe, ip: string, port: number): string[] {
  const given = probe.httpGet?.httpHeaders ?? []
  const has = (n: string) => given.some((h) => h.name.toLowerCase() === n.toLowerCase())
  return [
    ...(has('Host') ? [] : [`Host: ${ip}:${port}`]),
    ...(has('User-Agent') ? [] : ['User-Agent: kube-probe/mk8s']),
    ...(has('Accept') ? [] : ['Accept: */*']),
    ...given.map((h) => `${h.name}: ${h.value}`),
    'Connection: close',
  ]
}

/**
 * The step that probes one container of a pod once, on the pod's node, or why it cannot be
 * probed (a pod without an address has nothing to connect to).
 */
export function probeStep(pod: PodRecord, c: Container): Step | {error: string} {
  const probe = c.readinessProbe
  if (!probe) return {error: `container ${c.name} has no readinessProbe`}
  if (probe.exec) return step(bounded(probe.timeoutSeconds + EXEC_SLACK_SECONDS, ['docker', 'exec', containerName(pod, c.name), ...probe.exec.command]), {capture: true})
  const h = probe.httpGet ?? probe.tcpSocket!
  const port = probePort(c, h.port)
  if (port === undefined) return {error: `container ${c.name} has no port named "${h.port}"`}
  if (!pod.ip) return {error: 'the pod has no address to probe (network none)'}
  if (probe.tcpSocket) return step(bounded(probe.timeoutSeconds, ['bash', '-c', TCP_CONNECT, 'bash', pod.ip, String(port)]), {capture: true})
  return step(bounded(probe.timeoutSeconds, ['bash', '-c', HTTP_GET, 'bash', pod.ip, String(port), probe.httpGet!.path, ...httpHeaders(probe, pod.ip, port)]), {capture: true})
}

const firstLine = (text: string): string => {
  const l = text.split('\n').map((x) => x.trim()).find(Boolean) ?? ''
  return l.length > 160 ? `${l.slice(0, 157)}...` : l
}

/** What one attempt's captured output says: passed or not, and why, in kubelet's words where it has them. */
export function probeOutcome(pod: PodRecord, c: Container, got: Captured | undefined): ProbeResult {
  const probe = c.readinessProbe!
  if (!got) return {ok: false, detail: 'the node gave no answer'}
  const timedOut = got.code === 124 || got.code === 137
  const what = probe.exec ? `exec ${JSON.stringify(probe.exec.command.join(' '))}` : `${probe.httpGet ? 'http-get' : 'tcp-socket'} ${target(pod, c, probe)}`
  if (timedOut) return {ok: false, detail: `${what}: timed out after ${probe.timeoutSeconds}s`}
  if (probe.exec) return got.code === 0 ? {ok: true, detail: `${what}: exit code 0`} : {ok: false, detail: `${what}: exit code ${got.code}${firstLine(got.output) ? `: ${firstLine(got.output)}` : ''}`}
  if (probe.tcpSocket) return got.code === 0 ? {ok: true, detail: `${what}: connected`} : {ok: false, detail: `${what}: ${firstLine(got.output) || `exit code ${got.code}`}`}
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(firstLine(got.output))
  if (got.code !== 0 || !m) return {ok: false, detail: `${what}: ${firstLine(got.output) || `no HTTP answer (exit code ${got.code})`}`}
  const status = Number(m[1])
  return {ok: status >= 200 && status < 400, detail: `${what}: HTTP ${status}`}
}

function target(pod: PodRecord, c: Container, probe: Probe): string {
  const h = probe.httpGet ?? probe.tcpSocket!
  const port = probePort(c, h.port) ?? h.port
  return probe.httpGet ? `http://${pod.ip ?? ''}:${port}${probe.httpGet.path}` : `${pod.ip ?? ''}:${port}`
}

/** kubectl describe's line for a probe: `http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3`. */
export function describeProbe(probe: Probe): string {
  const how = probe.exec
    ? `exec [${probe.exec.command.join(' ')}]`
    : probe.httpGet
      ? `http-get http://:${probe.httpGet.port}${probe.httpGet.path}`
      : `tcp-socket :${probe.tcpSocket!.port}`
  return `${how} delay=${probe.initialDelaySeconds}s timeout=${probe.timeoutSeconds}s period=${probe.periodSeconds}s #success=${probe.successThreshold} #failure=${probe.failureThreshold}`
}

/** The caller's clock: real time for commands, a fake one for tests. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export interface Verdict {
  ready: boolean
  attempts: number
  last?: ProbeResult
}

type Timing = Pick<Probe, 'initialDelaySeconds' | 'periodSeconds' | 'successThreshold' | 'failureThreshold'>

/**
 * A container just started: wait initialDelaySeconds, then probe every periodSeconds until
 * successThreshold attempts in a row pass (ready), or until the next attempt would come after the
 * deadline, or `stop` says so (not ready). Failures do not end the wait: a pod that is not ready
 * stays so whatever failureThreshold says, as in Kubernetes.
 */
export async function untilReady(t: Timing, attempt: () => Promise<ProbeResult>, clock: Clock, deadline: number, stop: () => boolean = () => false): Promise<Verdict> {
  const first = clock.now() + t.initialDelaySeconds * 1000
  if (first > deadline) return {ready: false, attempts: 0}
  await clock.sleep(first - clock.now())
  let streak = 0
  let attempts = 0
  let last: ProbeResult | undefined
  for (;;) {
    if (stop()) return {ready: false, attempts, last}
    const at = clock.now()
    last = await attempt()
    attempts++
    streak = last.ok ? streak + 1 : 0
    if (streak >= t.successThreshold) return {ready: true, attempts, last}
    const next = at + t.periodSeconds * 1000
    if (next > deadline) return {ready: false, attempts, last}
    await clock.sleep(Math.max(0, next - clock.now()))
  }
}

/**
 * doctor's look at a pod that runs: a ready pod becomes not ready after failureThreshold failures
 * in a row, a pod not ready becomes ready after successThreshold passes in a row, attempts
 * periodSeconds apart; the first attempt that agrees with how the pod stands ends the look.
 */
export async function recheck(t: Timing, ready: boolean, attempt: () => Promise<ProbeResult>, clock: Clock): Promise<Verdict> {
  const need = ready ? t.failureThreshold : t.successThreshold
  let last: ProbeResult | undefined
  for (let i = 0; i < need; i++) {
    if (i > 0) await clock.sleep(t.periodSeconds * 1000)
    last = await attempt()
    if (last.ok === ready) return {ready, attempts: i + 1, last}
  }
  return {ready: !ready, attempts: need, last}
}
