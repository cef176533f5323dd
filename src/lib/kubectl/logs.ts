/**
 * kubectl logs over several pods (-l, deployment/NAME): each container's logs asked from its node,
 * printed pod after pod, with kubectl's `[pod/NAME/CONTAINER]` prefix when asked.
 */
import type {Ctx} from '../context.js'
import {hostOf} from '../cluster/hosts.js'
import {requireNode} from '../cluster/model.js'
import {ownedPods} from '../deploy/service.js'
import {InputError} from '../errors.js'
import {containerName} from '../pod/plan.js'
import type {PodRecord, State} from '../state/schema.js'
import {podsSelected} from './resources.js'
import {parseSelector} from './selector.js'
import type {Target} from './verbs.js'

export interface LogOptions {
  container?: string
  allContainers?: boolean
  tail?: number
  /** seconds, from --since */
  since?: number
  timestamps?: boolean
  prefix?: boolean
  follow?: boolean
  /** the lines written before the container's last start */
  previous?: boolean
}

/**
 * --previous: Docker keeps one log across a container's restarts, so the previous instances' lines
 * are those written before its last start; a container that never restarted has none (kubectl's error).
 * Between two runs (restarting) its last run has ended and is the previous one: the lines until it
 * ended (Docker counts the restart before it sets the next start, so the start is not to be trusted
 * then). Everything is read in one inspect.
 */
const PREVIOUS = `c=$1 name=$2 pod=$3; shift 3
info=$(docker inspect -f '{{.RestartCount}} {{.State.Running}} {{.State.StartedAt}} {{.State.FinishedAt}}' "$c") || exit 1
set -- $info "$@"
n=$1 running=$2 started=$3 finished=$4; shift 4
[ "$n" -gt 0 ] || { echo "previous terminated container \\"$name\\" in pod \\"$pod\\" not found" >&2; exit 1; }
if [ "$running" = true ]; then until=$started; else until=$finished; fi
exec docker logs --until "$until" "$@" "$c"`

/** The pods of `logs NAME`, `logs pod/NAME`, `logs deployment/NAME` (its first pod, as kubectl) or `logs -l SEL`. */
export function logPods(state: State, target: Target | undefined, namespace: string, selector?: string): PodRecord[] {
  if (selector !== undefined) return podsSelected(state, namespace, parseSelector(selector))
  if (!target) throw new InputError('a pod, deployment/NAME or -l SELECTOR is required', "e.g. 'mk8s logs web', 'mk8s logs -l app=web', 'mk8s logs deployment/web'")
  if (target.kind.kind === 'Pod') return [state.pods[`${target.namespace}/${target.name}`]]
  if (target.kind.kind === 'Deployment') return ownedPods(state, target).sort((a, b) => a.name.localeCompare(b.name)).slice(0, 1)
  throw new InputError(`logs are kept for pods, not ${target.kind.plural}`)
}

/** The `docker logs` argv for one container: what the node runs. */
export function dockerLogsArgv(pod: PodRecord, container: string, o: LogOptions): string[] {
  const flags = [...(o.tail !== undefined && o.tail >= 0 ? ['--tail', String(o.tail)] : []), ...(o.since !== undefined ? ['--since', `${o.since}s`] : []), ...(o.timestamps ? ['--timestamps'] : [])]
  if (o.previous) {
    if (o.follow) throw new InputError('--previous and --follow cannot go together: the previous container has ended', 'drop one of them')
    return ['sh', '-c', PREVIOUS, 'sh', containerName(pod, container), container, pod.name, ...flags]
  }
  return ['docker', 'logs', ...(o.follow ? ['-f'] : []), ...flags, containerName(pod, container)]
}

function containersOf(pod: PodRecord, o: LogOptions): string[] {
  const names = pod.containers.map((c) => c.name)
  if (o.allContainers) return names
  const c = o.container ?? names[0]
  if (!names.includes(c)) throw new InputError(`container ${c} is not valid for pod ${pod.name}`, `its containers: ${names.join(', ')}`)
  return [c]
}

/** Print the logs; returns the exit code (1 if a node could not give them). */
export async function printLogs(ctx: Ctx, pods: PodRecord[], o: LogOptions, out: (text: string) => void): Promise<number> {
  const state = ctx.store.read()
  const pairs = pods.flatMap((p) => containersOf(p, o).map((c) => ({pod: p, c})))
  if (o.follow) {
    if (pairs.length !== 1) throw new InputError('-f follows one container', 'name one pod (and -c CONTAINER), or leave out -f')
    return hostOf(requireNode(state, pairs[0].pod.node)).interactive(dockerLogsArgv(pairs[0].pod, pairs[0].c, o))
  }
  let code = 0
  for (const {pod, c} of pairs) {
    // docker logs writes the container's stderr to its own stderr: one stream, as kubectl gives it
    const argv = dockerLogsArgv(pod, c, o)
    const r = await hostOf(requireNode(state, pod.node)).run(['sh', '-c', '"$@" 2>&1', 'sh', ...argv])
    const text = r.stdout
    if (r.code !== 0) {
      // the logs could not be read (no such container, no previous one): what the node said is an error
      code = 1
      process.stderr.write(text)
      continue
    }
    out(o.prefix ? text.split('\n').filter((l, i, a) => l || i < a.length - 1).map((l) => `[pod/${pod.name}/${c}] ${l}\n`).join('') : text)
  }
  return code
}
