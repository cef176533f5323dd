import {execFileSync} from 'node:child_process'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/lib/errors.js'
import {parseCaptures, renderPlan, renderScript, step, type Plan} from '../../src/lib/host/plan.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {describeCreate} from '../../src/lib/pod/runtime.js'
import {validatePods} from '../../src/lib/pod/service.js'
import {parseLabels} from '../../src/lib/pod/spec.js'
import type {PodRecord} from '../../src/lib/state/schema.js'
import {validateName} from '../../src/lib/util/names.js'

/**
 * Hostile input (issue 9): whatever a user gives, nothing reaches a host's shell unquoted, and
 * every rejection is an InputError (exit 2) with a message.
 */
const bash = (script: string) => execFileSync('bash', ['-c', script], {encoding: 'utf8', maxBuffer: 16 * 1024 * 1024})

/** Fragments a shell would act on, mixed into arbitrary text. */
const nasty = fc.constantFrom('$(touch /tmp/pwned)', '`id`', ';', '&&', '|', "'", '"', '\\', '\n', '$HOME', '${x:-y}', '*', '~', '#', '<<EOF', 'MK8S_EOF_0', '@@mk8s-end 0 0', '!', ' ', '\t', '%s')
const hostile = fc.array(fc.oneof(nasty, fc.string({unit: 'binary', maxLength: 6})), {maxLength: 5}).map((p) => p.join('').replaceAll('\0', ''))

/** Every step of the plan becomes "printf '%s\0' argv...": the script then only echoes what each step would have run. */
const echoing = (plan: Plan): Plan => plan.map((s) => ({...s, argv: ['printf', '%s\\0', ...s.argv], capture: true, unless: undefined, onlyIf: undefined}))

function expectOnlyRejections(fn: () => unknown): void {
  try {
    fn()
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(InputError)
    expect((error as InputError).exitCode).toBe(2)
    expect((error as Error).message.length).toBeGreaterThan(0)
  }
}

// each property runs bash some 60-80 times: on a loaded machine that outlasts vitest's 5 s default
describe('hostile values in plans', {timeout: 60_000}, () => {
  it('any argv, through a whole rendered script, arrives at the command word for word (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hostile, {minLength: 1, maxLength: 4}), {minLength: 1, maxLength: 4}), fc.boolean(), (argvs, tolerate) => {
        const plan = echoing(argvs.map((argv) => step(argv, {tolerate})))
        const out = parseCaptures(bash(renderScript(plan)))
        argvs.forEach((argv, i) => {
          expect(out.get(i)?.code).toBe(0)
          expect(out.get(i)?.output.split('\0').slice(0, -1)).toEqual(argv)
        })
      }),
      {numRuns: 80},
    )
  })

  it('any stdin arrives unchanged, whatever lines it holds (property)', () => {
    fc.assert(
      fc.property(fc.array(hostile, {minLength: 1, maxLength: 6}), (lines) => {
        const text = `${lines.join('\n')}\n`
        const out = bash(renderScript([step(['cat'], {stdin: text}), step(['true'])]))
        expect(out).toBe(text)
      }),
      {numRuns: 60},
    )
  })

  it("a pod's hostile command, env and labels stay argv: --dry-run's docker line splits back into them", () => {
    fc.assert(
      fc.property(fc.array(hostile, {minLength: 1, maxLength: 4}), (cmd) => {
        const pod = {namespace: 'default', name: 'p', uid: 'u', node: 'n', network: 'pod', labels: {}, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, phase: 'Pending', containers: [], createdAt: 'x'} as PodRecord
        const [, line] = describeCreate(pod, {containers: [{name: 'c', image: 'mk8s/busybox', command: cmd, ports: [], env: []}], restartPolicy: 'Always', hostNetwork: false})
        const words = bash(`set -f; printf '%s\\0' ${line.replace(/^docker /, '')}`).split('\0').slice(0, -1)
        expect(words.slice(-cmd.length)).toEqual(cmd)
      }),
      {numRuns: 60},
    )
  })

  it('the plans mk8s renders for hosts never hold an unquoted hostile value (rendered text is the quoted argv)', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const text = renderPlan([step(['ip', 'netns', 'add', v])])
        expect(bash(`printf '%s\\0' ${text.slice('ip netns add '.length)}`)).toBe(`${v}\0`)
      }),
      {numRuns: 60},
    )
  })
})

describe('every rejection is an InputError (exit 2) with a message', {timeout: 60_000}, () => {
  it('names', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string()), (name) => {
        expectOnlyRejections(() => expect(validateName('pod', name)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/))
      }),
    )
  })

  it('labels', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostile, fc.string()), {maxLength: 3}), (pairs) => {
        expectOnlyRejections(() => {
          for (const [k, v] of Object.entries(parseLabels(pairs))) expect(`${k}=${v}`).toMatch(/^[-A-Za-z0-9_./]+=[-A-Za-z0-9_.]*$/)
        })
      }),
    )
  })

  it('pods: names, labels, images, commands, env, ports, anything in the spec', () => {
    const container = fc.record({
      name: fc.oneof(fc.constant('c'), hostile),
      image: fc.oneof(fc.constant('mk8s/busybox'), hostile),
      command: fc.option(fc.array(hostile), {nil: undefined}),
      env: fc.option(fc.array(fc.record({name: fc.oneof(fc.constant('A'), hostile), value: hostile})), {nil: undefined}),
      ports: fc.option(fc.array(fc.record({containerPort: fc.oneof(fc.integer(), fc.constant(80)), protocol: fc.oneof(fc.constant('TCP'), hostile)})), {nil: undefined}),
    }, {requiredKeys: ['name', 'image']})
    fc.assert(
      fc.property(fc.oneof(fc.constant('web'), hostile), fc.oneof(fc.constant('default'), hostile), fc.dictionary(hostile, hostile, {maxKeys: 2}), fc.oneof(fc.record({containers: fc.array(container, {maxLength: 2})}), fc.jsonValue()), (name, namespace, labels, spec) => {
        expectOnlyRejections(() => {
          const [p] = validatePods([{name, namespace, labels, spec}])
          expect(p.name).toMatch(/^[a-z0-9-]+$/)
          for (const c of p.parsed.containers) expect(c.image).toMatch(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/)
        })
      }),
      {numRuns: 300},
    )
  })

  it('manifests: any JSON or YAML text', () => {
    const obj = fc.record({
      apiVersion: fc.constantFrom('v1', 'apps/v1', 'networking.k8s.io/v1', 'x'),
      kind: fc.constantFrom('Pod', 'Deployment', 'Service', 'Ingress', 'Secret', 'List', 'Nope'),
      metadata: fc.oneof(fc.record({name: fc.oneof(fc.constant('ok'), hostile), namespace: fc.option(hostile, {nil: undefined}), labels: fc.dictionary(hostile, hostile, {maxKeys: 2})}), fc.jsonValue()),
      spec: fc.jsonValue(),
      items: fc.array(fc.jsonValue(), {maxLength: 2}),
    })
    const labels = fc.dictionary(fc.oneof(fc.constant('app'), hostile), fc.oneof(fc.constant('web'), hostile), {minKeys: 1, maxKeys: 2})
    const container = {name: 'c', image: 'mk8s/busybox'}
    const wellShaped = fc.oneof(
      fc.tuple(labels, labels).map(([l, s]) => ({apiVersion: 'v1', kind: 'Service', metadata: {name: 'ok', labels: l}, spec: {selector: s, ports: [{port: 80}]}})),
      labels.map((l) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'ok', labels: l}, spec: {containers: [container]}})),
      fc.tuple(labels, labels).map(([l, t]) => ({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'ok', labels: l}, spec: {selector: {matchLabels: t}, template: {metadata: {labels: t}, spec: {containers: [container]}}}})),
    )
    fc.assert(
      fc.property(fc.oneof(obj.map((o) => JSON.stringify(o)), wellShaped.map((o) => JSON.stringify(o)), fc.jsonValue().map((v) => JSON.stringify(v)), hostile), (text) => {
        expectOnlyRejections(() => {
          for (const o of parseManifests(text, 'stdin', 'default')) {
            expect(`${o.namespace}/${o.name}`).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/)
            const v = o.value as {labels?: Record<string, string>; selector?: Record<string, string>}
            for (const labels of [v.labels ?? {}, v.selector ?? {}]) for (const [k, x] of Object.entries(labels)) expect(`${k}=${x}`).toMatch(/^[-A-Za-z0-9_./]+=[-A-Za-z0-9_.]*$/)
          }
        })
      }),
      {numRuns: 500},
    )
  })
})
