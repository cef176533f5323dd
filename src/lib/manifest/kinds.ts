import type {Ctx} from '../context.js'

/** A parsed, validated object of one kind, ready to apply. */
export interface Parsed {
  kind: string
  namespace: string
  name: string
  /** what apply needs (kind-specific) */
  value: unknown
}

export interface KindHandler {
  apiVersions: string[]
  /** Validate (throwing InputError, exit 2) and normalise one document. */
  parse(doc: Record<string, unknown>, namespace: string, where: string): Parsed
  apply(ctx: Ctx, p: Parsed): Promise<string>
  delete(ctx: Ctx, namespace: string, name: string): Promise<string>
}

/** The kinds `apply -f` and `delete -f` know; each area registers its own (see wiring.ts). */
export const manifestKinds = new Map<string, KindHandler>()
