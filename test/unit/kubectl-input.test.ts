import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {normaliseDryRun} from '../../src/lib/kubectl/dryrun.js'
import {checkNamespace, collectFiles, collectKustomization, namespaceGiven} from '../../src/lib/kubectl/input.js'
import {parseDuration, parseFor} from '../../src/lib/kubectl/wait.js'
import {splitChanges} from '../../src/lib/kubectl/verbs.js'

const dir = mkdtempSync(join(tmpdir(), 'mk8s-input-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
mkdirSync(join(dir, 'm', 'sub', 'deeper'), {recursive: true})
writeFileSync(join(dir, 'm', 'b.yaml'), 'b')
writeFileSync(join(dir, 'm', 'a.JSON'), 'a')
writeFileSync(join(dir, 'm', 'c.yml'), 'c')
writeFileSync(join(dir, 'm', 'notes.txt'), 'x')
writeFileSync(join(dir, 'm', 'kustomization.yaml'), 'resources: [c.yml, sub]\n')
writeFileSync(join(dir, 'm', 'sub', 'd.yaml'), 'd')
writeFileSync(join(dir, 'm', 'sub', 'kustomization.yml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [d.yaml]\n')
writeFileSync(join(dir, 'm', 'sub', 'deeper', 'e.json'), 'e')

const texts = (s: Array<{text: string}>) => s.map((x) => x.text)

describe('input like kubectl', () => {
  it('reads a folder in name order, manifests only; -R goes into subfolders; -f repeated keeps its order', async () => {
    expect(texts(await collectFiles([join(dir, 'm')], false))).toEqual(['a', 'b', 'c'])
    expect(texts(await collectFiles([join(dir, 'm')], true))).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(texts(await collectFiles([join(dir, 'm', 'c.yml'), join(dir, 'm', 'sub')], false))).toEqual(['c', 'd'])
    await expect(collectFiles([join(dir, 'nope')], false)).rejects.toThrowError(`the path "${join(dir, 'nope')}" does not exist`)
    await expect(collectFiles(['-', '-'], false)).rejects.toThrowError('-f - (stdin) can be given once')
  })

  it('reads a plain kustomization and refuses one that transforms', async () => {
    expect(texts(await collectKustomization(join(dir, 'm')))).toEqual(['c', 'd'])
    const k = join(dir, 'k')
    mkdirSync(k)
    writeFileSync(join(k, 'kustomization.yaml'), 'resources: [x.yaml]\ncommonLabels: {a: b}\n')
    await expect(collectKustomization(k)).rejects.toThrowError(`${join(k, 'kustomization.yaml')}: mk8s reads a plain kustomization only (apiVersion, kind, resources); it does not do commonLabels`)
    await expect(collectKustomization(join(dir, 'm', 'sub', 'deeper'))).rejects.toThrowError(/unable to find one of 'kustomization.yaml'/)
  })

  it('refuses an object of another namespace than an explicit -n', () => {
    const objs = [{kind: 'Pod', namespace: 'a', name: 'p', value: {}}]
    expect(() => checkNamespace(objs, 'b')).toThrowError('the namespace from the provided object "a" does not match the namespace "b". You must pass \'--namespace=a\' to perform this operation.')
    expect(() => checkNamespace(objs, undefined)).not.toThrow()
    expect([['-n', 'x'], ['-nx'], ['--namespace=x'], ['--namespace', 'x'], ['-f', 'x']].map(namespaceGiven)).toEqual([true, true, true, true, false])
  })

  it('reads --dry-run, durations, --for and label changes as kubectl does', () => {
    expect(normaliseDryRun(['apply', '--dry-run', '-f', 'x', '--', '--dry-run'])).toEqual(['apply', '--dry-run=server', '-f', 'x', '--', '--dry-run'])
    expect(['30s', '1m30s', '500ms', '2h', '10'].map((d) => parseDuration(d))).toEqual([30_000, 90_000, 500, 7_200_000, 10_000])
    expect(() => parseDuration('5 minutes')).toThrowError('invalid --timeout "5 minutes"')
    expect(parseFor('condition=Ready')).toEqual({t: 'condition', condition: 'ready', value: 'true'})
    expect(parseFor('condition=Available=False')).toEqual({t: 'condition', condition: 'available', value: 'false'})
    expect(parseFor('delete')).toEqual({t: 'delete'})
    expect(splitChanges(['pod', 'web', 'a=b', 'c-', 'd='], 'label')).toEqual({objects: ['pod', 'web'], change: {set: {a: 'b', d: ''}, remove: ['c']}})
    expect(() => splitChanges(['pod', 'web'], 'label')).toThrowError('at least one label update is required')
    expect(() => splitChanges(['pod', 'web', 'a=b c'], 'label')).toThrowError('invalid label "a=b c": expected key=value')
  })
})
