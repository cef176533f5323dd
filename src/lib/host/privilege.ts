/**
 * Reaching a host as a user who is not root: every script (one per round trip) runs under
 * `sudo -n`, wrapped once around the remote command line, never per command. What the host says
 * when that user cannot sudo without a password becomes an error that names the sudoers line.
 */
import {InputError, UnreachableError} from '../errors.js'
import {shellJoin} from './quote.js'

/** The remote command line run with root's privilege through sudo, non-interactively. */
export const sudoWrap = (remote: string): string => shellJoin(['sudo', '-n', '--', 'sh', '-c', remote])

/** The sudoers line that lets USER run mk8s's scripts without a password. */
export const sudoersLine = (user: string): string => `${user} ALL=(ALL:ALL) NOPASSWD: ALL`

/** The commands (as root on the host) that add that line safely, checked by visudo. */
export const sudoersFix = (user: string): string =>
  `echo '${sudoersLine(user)}' > /etc/sudoers.d/mk8s-${user} && chmod 440 /etc/sudoers.d/mk8s-${user} && visudo -cf /etc/sudoers.d/mk8s-${user}`

/**
 * What sudo printed when it refused to run at all (before any of mk8s's script ran), as the
 * user's error: exit 2, naming the host and the fix. undefined when stderr is not such a refusal.
 */
export function sudoRefusal(node: string, user: string, host: string, stderr: string, code: number): InputError | undefined {
  const s = stderr.trim()
  if (code === 127 && /sudo: (command )?not found|sudo: No such file/i.test(s)) {
    return new InputError(`node ${node}: sudo is not installed on ${host} (mk8s reaches it as ${user}, who is not root)`, `install it as root on ${host} (apt-get install sudo), add the line '${sudoersLine(user)}', or join as root@${host}`)
  }
  if (/^sudo: (a password is required|a terminal is required|no tty present)/m.test(s) || /is not in the sudoers file|is not allowed to run sudo/m.test(s)) {
    return new InputError(
      `node ${node}: ${user}@${host} cannot run commands as root without a password (sudo -n refused: ${s.split('\n').pop()})`,
      `as root on ${host}, allow it: ${sudoersFix(user)}`,
    )
  }
  return undefined
}

/** ssh's words for a host key it could not check, as exit 3 with how to add or renew the key. */
export function hostKeyProblem(node: string, host: string, port: number, stderr: string): UnreachableError | undefined {
  const where = port === 22 ? host : `[${host}]:${port}`
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
    return new UnreachableError(node, `the host key of ${where} is not the one in known_hosts (it changed)`, `if the host was reinstalled, check its new fingerprint, then: ssh-keygen -R '${where}' and connect once with ssh to accept it`)
  }
  if (/Host key verification failed|No (ED25519|RSA|ECDSA)? ?host key is known/i.test(stderr)) {
    return new UnreachableError(
      node,
      `the host key of ${where} is not known (mk8s checks host keys as ssh does and never accepts an unknown one)`,
      `check the key's fingerprint with the host's owner, then add it: ssh-keyscan -p ${port} ${host} >> ~/.ssh/known_hosts (or connect once with ssh and answer yes)`,
    )
  }
  return undefined
}
