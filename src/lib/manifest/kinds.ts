import type {Ctx} from '../context.js'

/** A parsed, validated object of one kind, ready to apply. */
export interface Parsed {
  kind: string
  namespace: string
  name: string
  /** what apply needs (kind-specific) */
  value: unknown
}

/** Apply and delete of a batch leave the programming of the hosts to the batch's end. */
export interface BatchOptions {
  program?: boolean
}

export interface KindHandler {
  apiVersions: string[]
  /**
   * Where the kind comes in a batch: objects that only change the state first (programmed once,
   * at the end), then workloads, whose pods need their own steps (and program what came before).
   */
  stage: 'config' | 'workload'
  /** Validate (throwing InputError, exit 2) and normalise one document. */
  parse(doc: Record<string, unknown>, namespace: string, where: string): Parsed
  apply(ctx: Ctx, p: Parsed, o?: BatchOptions): Promise<string>
  /** Many objects of the kind in one state change (services: a thousand in one write). */
  applyMany?(ctx: Ctx, ps: Parsed[], o?: BatchOptions): Promise<string[]>
  delete(ctx: Ctx, namespace: string, name: string, o?: BatchOptions): Promise<string>
}
