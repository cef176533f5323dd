#!/usr/bin/env node
/**
 * `npm run package`: one executable file, dist-bin/mk8s, that runs with no node_modules and no dist
 * folder beside it (Node's single executable application).
 *
 * 1. esbuild bundles scripts/sea/main.ts into one CommonJS file, together with a generated module
 *    ('mk8s:embedded') that holds, for mk8s and each oclif plugin in package.json, its package.json,
 *    its oclif.manifest.json and every command class the manifest names;
 * 2. `node --experimental-sea-config` turns the bundle into a blob (with V8's code cache);
 * 3. postject injects the blob into a copy of this node binary.
 * Run `npm run build` first: the bundle is made from dist/ and oclif.manifest.json.
 * Usage: node scripts/package.mjs [--out DIR]   (default: dist-bin)
 */
import {build} from 'esbuild'
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

const root = resolve(import.meta.dirname, '..')
const outArg = process.argv.indexOf('--out')
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist-bin')
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'))

/** mk8s first, then its oclif plugins, as folders holding package.json and oclif.manifest.json. */
function pluginDirs() {
  const {oclif} = readJson(join(root, 'package.json'))
  return [root, ...oclif.plugins.map((name) => join(root, 'node_modules', name))]
}

/**
 * The source of 'mk8s:embedded' (typed in scripts/sea/embedded.d.ts). Each command class is a
 * getter that requires its module on first use: a command loads only its own modules (start-up
 * time: evaluating every command and all they import costs more than the rest of the start).
 */
export function embeddedModule(dirs) {
  const plugins = dirs.map((dir) => {
    const {name, version, description, type, oclif} = readJson(join(dir, 'package.json'))
    const manifest = readJson(join(dir, 'oclif.manifest.json'))
    const commands = Object.entries(manifest.commands).map(([id, cmd]) => {
      const file = JSON.stringify(join(dir, ...cmd.relativePath))
      return `get ${JSON.stringify(id)}() { const m = require(${file}); return m.default ?? m }`
    })
    const pjson = JSON.stringify({name, version, description, type, oclif})
    return `{pjson: ${pjson}, manifest: ${JSON.stringify(manifest)}, commands: {${commands.join(', ')}}}`
  })
  return `export const plugins = [\n${plugins.join(',\n')}\n]\n`
}

/** Inject the blob into the executable; LIEF's harmless warnings about ELF note names are dropped. */
function postject(exe, blob) {
  const cli = join(root, 'node_modules/postject/dist/cli.js')
  const fuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
  const r = spawnSync(process.execPath, [cli, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', fuse], {encoding: 'utf8'})
  const noise = /Can't find string offset for section name/
  const errors = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() && !noise.test(l))
  if (r.status !== 0) throw new Error(`postject failed (exit ${r.status}): ${errors.join('\n')}`)
}

const embedded = {
  name: 'mk8s-embedded',
  setup(b) {
    b.onResolve({filter: /^mk8s:embedded$/}, () => ({path: 'embedded', namespace: 'mk8s'}))
    b.onLoad({filter: /.*/, namespace: 'mk8s'}, () => ({contents: embeddedModule(pluginDirs()), resolveDir: root, loader: 'js'}))
  },
}

/**
 * Modules that dockerode requires when it loads but mk8s never calls: ssh2 (docker-modem's ssh://
 * protocol; mk8s forwards the node's socket over its own SSH instead) and gRPC (BuildKit sessions
 * for image builds). Left in, they are most of what loading dockerode costs (some 70 ms, in the
 * middle of a pod start); here each is a stand-in that says so if anything ever calls it.
 */
const UNUSED = /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader)$/
const unused = {
  name: 'mk8s-unused',
  setup(b) {
    b.onResolve({filter: UNUSED}, (a) => ({path: a.path, namespace: 'mk8s-unused'}))
    b.onLoad({filter: /.*/, namespace: 'mk8s-unused'}, (a) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`${a.path} is not part of mk8s`)}) }
const stand = new Proxy(function () {}, {get: (_t, p) => (p === '__esModule' ? false : stand), apply: no, construct: no})
module.exports = stand`,
      loader: 'js',
    }))
  },
}

/**
 * The whole CLI as one CommonJS file (the entry scripts/sea/main.ts, every plugin embedded, each
 * command loaded on first use). bin/run.js runs the same file from dist/ (see scripts/bundle.mjs).
 */
export async function bundleCli(outfile, {minify = true} = {}) {
  const {metafile} = await build({
    metafile: true,
    entryPoints: [join(root, 'scripts/sea/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    keepNames: true,
    legalComments: 'none',
    plugins: [embedded, unused],
    // ESM code that asks where it is gets the bundle's own path. oclif checks node's version
    // against its package.json when loaded: there is none, and the node is the embedded one.
    define: {'import.meta.url': 'importMetaUrl'},
    banner: {js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href; process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';"},
    // Left out, each required inside a try with a fallback: oclif's TypeScript support for development
    // (typescript, ts-node, tsx), and the optional native parts of ssh2.
    external: ['typescript', 'ts-node', 'tsx', 'source-map-support', '*.node', 'cpu-features'],
    logLevel: 'warning',
  })
  return metafile
}

async function main() {
  mkdirSync(out, {recursive: true})
  const bundle = join(out, 'mk8s.cjs')
  const metafile = await bundleCli(bundle)
  writeFileSync(join(out, 'meta.json'), JSON.stringify(metafile))
  const blob = join(out, 'mk8s.blob')
  const seaConfig = join(out, 'sea-config.json')
  writeFileSync(seaConfig, JSON.stringify({main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true}))
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], {stdio: 'pipe'})
  const exe = join(out, 'mk8s')
  copyFileSync(process.execPath, exe)
  chmodSync(exe, 0o755)
  postject(exe, blob)
  for (const f of [blob, seaConfig]) rmSync(f)
  process.stdout.write(`${exe}\n`)
}

// run as a script (not when scripts/bundle.mjs imports bundleCli)
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'package.mjs')) await main()
