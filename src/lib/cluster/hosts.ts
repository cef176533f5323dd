import {Host} from '../host/host.js'
import type {NodeRecord} from '../state/schema.js'

/** The host a node record names, to run its scripts on. */
export const hostOf = (n: Pick<NodeRecord, 'name' | 'target'>): Host => new Host(n.name, n.target)
