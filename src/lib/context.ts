import type {Executor} from './host/executor.js'
import type {StateStore} from './state/store.js'

/** What a service function gets from its command. */
export interface Ctx {
  store: StateStore
  exec: Executor
  namespace: string
  dryRun: boolean
  /** A progress line on stderr for people (silent when -o is given). */
  progress: (msg: string) => void
}
