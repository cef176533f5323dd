import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, runPiped, tempDir} from './helpers.js'

/** apply --validate and Namespaces through the built CLI (no hosts: Namespaces and Secrets change only the state). */
const dir = tempDir('manifests')
const state = join(dir, 'state.json')
const env = {MK8S_STATE: state, NO_COLOR: ''}
const mk8s = (...args: string[]) => runPiped(['node', BIN, ...args], {env})
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}

const NS = file('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: shop}\nstringData: {a: b}\n')

describe('apply -f: manifests mean what they say', () => {
  it('refuses a field mk8s would not act on with exit 2, naming it, and changes nothing', () => {
    const f = file('bad.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: a}}\nspec: {finalizers: [kubernetes, other]}\n')
    const r = mk8s('apply', '-f', f)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `error: Namespace shop (${f} document 1): spec.finalizers: mk8s takes only ["kubernetes"] here (what Kubernetes writes)\nhint: remove it, or set it to ["kubernetes"]; nothing was applied\n`,
    )
    expect(existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')).namespaces : {}).toEqual({})
    const warned = mk8s('apply', '-f', f, '--validate=warn')
    expect(warned.code).toBe(0)
    expect(warned.stderr).toBe(`warning: Namespace shop (${f} document 1): spec.finalizers: mk8s takes only ["kubernetes"] here (what Kubernetes writes); left out\n`)
    expect(warned.stdout).toBe('namespace/shop created\n')
    expect(mk8s('delete', '-f', f).stdout).toBe('namespace "shop" deleted\n')
  })

  it('applies a Namespace with its labels; ns list/get show it; export -A applies back; delete -f deletes what is in it', () => {
    expect(mk8s('apply', '-f', NS).stdout).toBe('namespace/shop created\nsecret/token created\n')
    const list = JSON.parse(mk8s('ns', 'list', '-o', 'json').stdout) as {items: Array<{metadata: {name: string; labels: Record<string, string>}}>}
    expect(list.items.map((n) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system', 'shop'])
    expect(list.items[4].metadata.labels).toEqual({team: 'a', 'kubernetes.io/metadata.name': 'shop'})
    expect(mk8s('ns', 'get', 'shop').stdout).toMatch(/^Name: +shop\nLabels: +team=a,kubernetes.io\/metadata.name=shop\nStatus: +Active\nObjects: +0 pods, 0 deployments, 0 services, 0 ingresses, 1 secrets, 0 configMaps\n$/)
    const exported = mk8s('export', '-A').stdout
    expect(exported).toBe('---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: shop\ntype: Opaque\ndata:\n  a: Yg==\n')
    // the same objects again from the export: unchanged
    const again = spawnSync('node', [BIN, 'apply', '-f', '-'], {cwd: ROOT, env: {...process.env, ...env}, input: exported, encoding: 'utf8'})
    expect(again.stdout).toBe('namespace/shop unchanged\nsecret/token unchanged\n')
    // deleting the file: the secret, then the namespace (Namespaces go last)
    expect(mk8s('delete', '-f', NS).stdout).toBe('secret "token" deleted\nnamespace "shop" deleted\n')
    expect(mk8s('apply', '-f', NS).code).toBe(0)
    expect(mk8s('ns', 'delete', 'shop').stdout).toBe('namespace "shop" deleted\n')
    expect(JSON.parse(readFileSync(state, 'utf8')).secrets).toEqual({})
    const builtIn = mk8s('ns', 'delete', 'default')
    expect(builtIn.code).toBe(2)
    expect(builtIn.stderr).toMatch(/^error: namespace "default" cannot be deleted/)
  })
})
