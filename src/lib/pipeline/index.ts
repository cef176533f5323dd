/**
 * The pipeline: from a change of the state to one script per node. `program` takes the turn, asks
 * every area's planner (areas.ts, in their written order) for each node's steps (plan.ts), runs the
 * scripts of all nodes at once through the one executor, and remembers what it programmed.
 */
export {program, programFirst, runScripts, type ProgramOptions} from './program.js'
export {planChange, planNode, scriptOf} from './plan.js'
export {AREAS} from './areas.js'
export type {AreaName, AreaPlanner, NodeChange, NodeReport, NodeScript} from './types.js'
