import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {notFound} from '../errors.js'
import {program} from '../pipeline/index.js'
import {objKey, type SecretRecord} from '../state/schema.js'
import type {SecretInput} from './spec.js'

/** Create or update a Secret; the ingress controller follows when an Ingress uses it for TLS. */
export async function applySecret(ctx: Ctx, input: SecretInput, o: {program?: boolean} = {}): Promise<{created: boolean; changed: boolean}> {
  const key = objKey(input.namespace, input.name)
  const res = await ctx.store.update((s) => {
    const old = s.secrets[key]
    // in the schema's key order, as the record reads back from the state file: re-applying the same Secret is "unchanged"
    const rec: SecretRecord = {namespace: input.namespace, name: input.name, uid: old?.uid ?? randomUUID(), type: input.type, labels: input.labels, data: input.data, createdAt: old?.createdAt ?? new Date().toISOString()}
    s.secrets[key] = rec
    return {created: !old, changed: JSON.stringify(old) !== JSON.stringify(rec)}
  })
  if (o.program !== false) await program(ctx)
  return res
}

export async function deleteSecret(ctx: Ctx, namespace: string, name: string, o: {program?: boolean} = {}): Promise<SecretRecord> {
  const key = objKey(namespace, name)
  const secret = ctx.store.read().secrets[key]
  if (!secret) throw notFound('secret', `${name}" in namespace "${namespace}`, 'mk8s apply -f')
  await ctx.store.update((s) => {
    delete s.secrets[key]
  })
  if (o.program !== false) await program(ctx)
  return secret
}
