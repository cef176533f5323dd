import type {NodeRecord, State} from '../state/schema.js'
import {InputError} from '../errors.js'

export function requireCluster(state: State) {
  if (!state.cluster) throw new InputError('no cluster in this state file', "create one with 'mk8s cluster init' (see 'mk8s cluster init --help')")
  return state.cluster
}

export function requireNode(state: State, name: string): NodeRecord {
  const n = state.nodes[name]
  if (!n) throw new InputError(`node "${name}" not found`, `see 'mk8s node list'; join it with 'mk8s node join ${name} --ssh root@HOST'`)
  return n
}

export const sortedNodes = (state: State): NodeRecord[] =>
  Object.values(state.nodes).sort((a, b) => a.name.localeCompare(b.name, 'en', {numeric: true}))
