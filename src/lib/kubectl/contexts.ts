/**
 * Contexts, as kubeconfig has them: named state files (one per cluster) with a namespace each,
 * kept in ~/.mk8s/config (or $MK8S_CONFIG). The current context gives the state file and the
 * namespace when neither --state nor MK8S_STATE nor -n says otherwise.
 */
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {z} from 'zod'
import {InputError} from '../errors.js'
import {tabulate} from './printers.js'

const ConfigSchema = z.object({
  'current-context': z.string().optional(),
  contexts: z.record(z.string(), z.object({state: z.string(), namespace: z.string().optional()})).default({}),
})

export type Mk8sConfig = z.infer<typeof ConfigSchema>

export const configPath = (): string => process.env.MK8S_CONFIG || join(homedir(), '.mk8s', 'config')

export function readConfig(path = configPath()): Mk8sConfig {
  if (!existsSync(path)) return {contexts: {}}
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`, 'fix or remove the file')
  }
  const r = ConfigSchema.safeParse(raw)
  if (!r.success) throw new InputError(`${path} is not an mk8s config: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`, 'fix or remove the file')
  return r.data
}

export function writeConfig(c: Mk8sConfig, path = configPath()): void {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, {mode: 0o600})
  renameSync(tmp, path)
}

/** The current context, when there is one (a broken config file is ignored here, and reported by `config` commands). */
export function currentContext(): {name: string; state: string; namespace?: string} | undefined {
  try {
    const c = readConfig()
    const name = c['current-context']
    return name && c.contexts[name] ? {name, ...c.contexts[name]} : undefined
  } catch {
    return undefined
  }
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.@]*[A-Za-z0-9])?$/

export function setContext(name: string, o: {state?: string; namespace?: string}, path = configPath()): string {
  if (!NAME.test(name)) throw new InputError(`invalid context name ${JSON.stringify(name)}`, 'letters, digits, - _ . @')
  const c = readConfig(path)
  const old = c.contexts[name]
  if (!old && !o.state) throw new InputError(`context "${name}" does not exist: give its state file`, `e.g. mk8s config set-context ${name} --state-file ~/.mk8s/${name}.json`)
  c.contexts[name] = {state: o.state ? resolve(o.state) : old!.state, ...(o.namespace ?? old?.namespace ? {namespace: o.namespace ?? old?.namespace} : {})}
  writeConfig(c, path)
  return `Context "${name}" ${old ? 'modified' : 'created'}.`
}

export function useContext(name: string, path = configPath()): string {
  const c = readConfig(path)
  if (!c.contexts[name]) throw new InputError(`no context exists with the name: "${name}"`, `see 'mk8s config get-contexts'`)
  c['current-context'] = name
  writeConfig(c, path)
  return `Switched to context "${name}".`
}

export function contextsTable(c: Mk8sConfig, noHeaders = false): string {
  const rows = Object.entries(c.contexts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([n, x]) => [n === c['current-context'] ? '*' : '', n, x.state, x.namespace ?? ''])
  return tabulate(noHeaders ? rows : [['CURRENT', 'NAME', 'STATE', 'NAMESPACE'], ...rows])
}
