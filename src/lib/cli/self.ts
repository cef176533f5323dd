import {isSea} from 'node:sea'
import {fileURLToPath} from 'node:url'

/**
 * The argv that runs this same mk8s again (the demo runs its steps as a user would type them):
 * the single executable itself (npm run package), or node with bin/run.js.
 */
export const selfCommand = (): string[] =>
  isSea() ? [process.execPath] : [process.execPath, fileURLToPath(new URL('../../../bin/run.js', import.meta.url))]
