import {readFileSync} from 'node:fs'
import {setSshOptionsHook} from '../host/host.js'
import {labPaths} from './config.js'

/**
 * For addresses of the lab on this machine, SSH uses the lab's own key and known_hosts (host keys
 * are still checked). Other hosts get the user's own SSH configuration, untouched.
 */
export function installLabSshOptions(): void {
  const p = labPaths()
  let addresses: string[] = []
  try {
    addresses = (JSON.parse(readFileSync(p.meta, 'utf8')) as {nodes: {address: string}[]}).nodes.map((n) => n.address)
  } catch {
    return
  }
  setSshOptionsHook(({host}) =>
    addresses.includes(host)
      ? ['-i', p.key, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${p.knownHosts}`, '-o', 'StrictHostKeyChecking=yes']
      : [],
  )
}
