import {isSea} from 'node:sea'
import {fileURLToPath} from 'node:url'

/**
 * The argv that runs this same mk8s again (the demo runs its steps as a user would type them):
 * the single executable itself (npm run package), or node with bin/run.js.
 */
export const selfCommand = (): string[] =>
  isSea() ? [process.execPath] : [process.execPath, binRunJs()]

/** bin/run.js: this process's script when it is that (in dist/mk8s.cjs this module has no folder of its own), else found from here. */
function binRunJs(): string {
  const script = process.argv[1]
  if (script && /[\\/]bin[\\/]run\.js$/.test(script)) return script
  return fileURLToPath(new URL('../../../bin/run.js', import.meta.url))
}
