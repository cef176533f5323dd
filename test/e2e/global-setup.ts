import {execa} from 'execa'
import {resolve} from 'node:path'

/**
 * One lab for all end-to-end files: three hosts made on this machine before the first file and
 * removed after the last (unless MK8S_KEEP_LAB=1). Each file makes and resets its own cluster.
 */
const cli = resolve('bin/run.js')

export async function setup(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the end-to-end tests make network namespaces and daemons: run them as root (npm run test:unit needs no root)')
  const r = await execa('node', [cli, 'lab', 'up', '--nodes', '3'], {reject: false, all: true})
  if (r.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${r.all}`)
}

export async function teardown(): Promise<void> {
  if (process.env.MK8S_KEEP_LAB === '1') return
  const r = await execa('node', [cli, 'lab', 'down'], {reject: false, all: true})
  if (r.exitCode !== 0) throw new Error(`mk8s lab down failed:\n${r.all}`)
}
