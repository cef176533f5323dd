/**
 * Entry point of the single executable. oclif normally finds its plugins, manifests and command
 * files on disk; here every plugin comes from the bundle instead: its package.json, its
 * oclif.manifest.json and its command classes (see scripts/package.mjs, which generates the
 * 'mk8s:embedded' module). So `--help` and `--version` read nothing from the filesystem.
 */
import {Config, Plugin, flush, handle, run, type Command, type Interfaces} from '@oclif/core'
import {dirname} from 'node:path'
import {plugins, type EmbeddedPlugin} from 'mk8s:embedded'
import commandNotFound from '../../src/hooks/command-not-found.js'

async function load(e: EmbeddedPlugin, root: string, isRoot: boolean): Promise<Plugin> {
  const pjson = {...e.pjson, oclif: {...e.pjson.oclif, hooks: {}, commands: {strategy: 'explicit', target: 'embedded', identifier: 'COMMANDS'}}}
  // isRoot with a pjson tells Plugin.load() not to look for a package.json on disk.
  const plugin = new Plugin({root, pjson: pjson as Interfaces.PJSON, isRoot: true})
  const internals = plugin as unknown as {commandCache: Record<string, Command.Class>; _manifest: () => Promise<Interfaces.Manifest>; commandIDs: string[]}
  internals.commandCache = e.commands
  internals._manifest = async () => {
    internals.commandIDs = Object.keys(e.manifest.commands)
    return e.manifest
  }
  await plugin.load()
  plugin.isRoot = isRoot
  return plugin
}

async function main(): Promise<void> {
  // the single executable's folder, or the package's root when bin/run.js runs this bundle from dist/
  const root = (globalThis as {mk8sRoot?: string}).mk8sRoot ?? dirname(process.execPath)
  const loaded = await Promise.all(plugins.map((p, i) => load(p, root, i === 0)))
  const config = await Config.load({root, pjson: loaded[0].pjson, plugins: new Map(loaded.map((p) => [p.name, p]))})
  try {
    await run(process.argv.slice(2), config)
  } catch (error) {
    // the embedded plugins carry no hooks: an unknown command gets the same answer as from the package's hook
    const m = /^command (\S+) not found/.exec((error as Error).message ?? '')
    if (!m) throw error
    await commandNotFound.call({config} as never, {id: m[1], argv: [], config, context: {} as never} as never)
  }
  await flush()
}

main().catch(handle)
