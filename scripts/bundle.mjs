#!/usr/bin/env node
/**
 * Part of `npm run build`: dist/mk8s.cjs, the whole CLI in one file (the same bundle the single
 * executable is made of, see scripts/package.mjs), which bin/run.js runs. One file instead of some
 * six hundred modules to find, read and link is most of what mk8s's start-up costs; bin/run.js
 * also keeps V8's code cache of it beside it (dist/mk8s.cjs.cache), as the single executable does.
 * Run after tsc and `oclif manifest`: the bundle is made from dist/ and oclif.manifest.json.
 */
import {rmSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {bundleCli} from './package.mjs'

const dist = resolve(import.meta.dirname, '..', 'dist')
rmSync(join(dist, 'mk8s.cjs.cache'), {force: true})
await bundleCli(join(dist, 'mk8s.cjs'))
