/**
 * The unit tests' temporary files (state files, harness folders, fixtures) go to one folder of this
 * run, removed when the run ends: a run leaves nothing in the machine's /tmp, however many tests
 * make folders of their own.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-unit-run-'))
  const was = process.env.TMPDIR
  process.env.TMPDIR = dir // os.tmpdir() reads it at each call, here and in the workers started after
  return () => {
    if (was === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = was
    rmSync(dir, {recursive: true, force: true})
  }
}
