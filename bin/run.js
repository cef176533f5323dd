#!/usr/bin/env node
/**
 * mk8s. When `npm run build` has made dist/mk8s.cjs (the whole CLI in one file, see
 * scripts/bundle.mjs), run that, compiled with V8's code cache kept beside it (written after the
 * first run, where dist/ is writable); otherwise, or with MK8S_UNBUNDLED=1, or when tsc has
 * rewritten dist/ since the bundle was made, oclif loads the commands from dist/commands as usual.
 */
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bundle = join(root, 'dist', 'mk8s.cjs')

function runBundle() {
  const cacheFile = `${bundle}.cache`
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // first run after a build: made below
  }
  const source = readFileSync(bundle, 'utf8')
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
  const script = new vm.Script(wrapped, {filename: bundle, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER})
  if (cachedData === undefined || script.cachedDataRejected) {
    // after the command ran, so that the functions it compiled are in the cache too
    process.once('exit', () => {
      try {
        // whole or not at all: another mk8s may be reading it (a torn cache would only be rejected, and made again)
        const tmp = `${cacheFile}.${process.pid}`
        writeFileSync(tmp, script.createCachedData())
        renameSync(tmp, cacheFile)
      } catch {
        // a read-only install: no cache, just a slower start
      }
    })
  }
  globalThis.mk8sRoot = root
  const module = {exports: {}}
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle))
}

/** The bundle, when there is one at least as new as what tsc last wrote (it is made from that). */
function bundleFresh() {
  try {
    return statSync(bundle).mtimeMs >= statSync(join(root, 'dist', 'lib', 'cli', 'base.js')).mtimeMs
  } catch {
    return false
  }
}

if (process.env.MK8S_UNBUNDLED !== '1' && bundleFresh()) {
  runBundle()
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
