import type {Executor} from './host/executor.js'
import type {StateStore} from './state/store.js'
import type {Runtime} from './runtime/runtime.js'

/** What a service function gets from its command. */
export interface Ctx {
  store: StateStore
  exec: Executor
  /** the nodes' container runtime (under --dry-run: the docker commands, printed) */
  runtime: Runtime
  namespace: string
  dryRun: boolean
  /** how long a command that starts pods waits for their readiness probes (ms; 0: not at all); default DEFAULT_READY_TIMEOUT_MS */
  readyTimeoutMs?: number
  /** A progress line on stderr for people (silent when -o is given). */
  progress: (msg: string) => void
}
