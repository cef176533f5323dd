/**
 * Is the mk8s process that wrote an intent (a pod Pending or Terminating, a node Joining) gone,
 * killed part way? Without a pid (states written before pids were kept): older than a lock's
 * stale time.
 */
export function ownerGone(pid: number | undefined, since: string, now = Date.now()): boolean {
  if (pid === undefined) return now - Date.parse(since) > 15_000
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
