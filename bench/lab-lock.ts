import {execa} from 'execa'

export const LAB_LOCK = '/tmp/mk8s-lab.lock'

/**
 * Run fn while holding the lab lock (a `flock` child holds it until we let go). A caller that
 * already holds it (a bench runner under flock, scripts/e2e.sh) says so with MK8S_LAB_LOCK_HELD=1.
 */
export async function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.MK8S_LAB_LOCK_HELD === '1') return fn()
  const holder = execa('flock', [LAB_LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {stdin: 'pipe', stdout: 'pipe', reject: false})
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve())
    holder.once('exit', () => reject(new Error(`could not take the lab lock ${LAB_LOCK}`)))
  })
  try {
    return await fn()
  } finally {
    holder.stdin!.end()
    await holder
  }
}
