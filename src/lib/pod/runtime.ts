import type Dockerode from 'dockerode'
import {InputError} from '../errors.js'
import {quote} from '../host/quote.js'
import type {PodRecord} from '../state/schema.js'
import type {PodDns} from '../dns/resolv.js'
import type {PodIdentity} from './identity.js'
import {dockerStatus, ensureImage} from '../runtime/docker.js'
import {timed} from '../util/timing.js'
import {containerName, LABEL_CONTAINER, LABEL_POD, LABEL_UID, pauseName} from './plan.js'
import {parseCpu, parseMemory, type Container, type PodSpec} from './spec.js'

export const PAUSE_IMAGE = 'mk8s/pause:latest'

const RESTART: Record<PodSpec['restartPolicy'], string> = {Always: 'always', OnFailure: 'on-failure', Never: 'no'}

const labelsFor = (pod: PodRecord, container: string) => ({[LABEL_POD]: `${pod.namespace}/${pod.name}`, [LABEL_UID]: pod.uid, [LABEL_CONTAINER]: container})

/** What the Docker API is asked for, as the docker CLI would say it (shown by --dry-run). */
export function describeCreate(pod: PodRecord, spec: PodSpec, dns?: PodDns, id?: PodIdentity): string[] {
  if (id) dns = id.dns
  const dnsFlags = dns && pod.network === 'pod' ? [...dns.servers.map((s) => ` --dns ${s}`), ...dns.search.map((s) => ` --dns-search ${s}`), ...dns.options.map((o) => ` --dns-option ${o}`)].join('') : ''
  const idFlags = id ? [...(id.hostname ? [` --hostname ${quote(id.hostname)}`] : []), ...(id.domainname ? [` --domainname ${quote(id.domainname)}`] : []), ...id.extraHosts.map((h) => ` --add-host ${quote(h)}`)].join('') : ''
  const lines = [`docker run -d --name ${pauseName(pod)} --network ${pod.network === 'host' ? 'host' : 'none'}${idFlags}${dnsFlags} ${PAUSE_IMAGE}`]
  for (const c of spec.containers) {
    const cmd = [...(c.command ?? []), ...(c.args ?? [])].map(quote).join(' ')
    lines.push(`docker run -d --name ${containerName(pod, c.name)} --network container:${pauseName(pod)} --restart ${RESTART[spec.restartPolicy]} ${c.image}${cmd ? ` ${cmd}` : ''}`)
  }
  return lines
}

export function containerConfig(pod: PodRecord, spec: PodSpec, c: Container, pauseId: string): Dockerode.ContainerCreateOptions {
  const limits = c.resources?.limits
  return {
    name: containerName(pod, c.name),
    Image: c.image,
    ...(c.command ? {Entrypoint: c.command} : {}),
    ...(c.args ? {Cmd: c.args} : {}),
    ...(c.workingDir ? {WorkingDir: c.workingDir} : {}),
    Env: pod.env?.[c.name] ?? c.env.map((e) => `${e.name}=${e.value}`),
    Labels: labelsFor(pod, c.name),
    HostConfig: {
      NetworkMode: `container:${pauseId}`,
      RestartPolicy: {Name: RESTART[spec.restartPolicy]},
      ...(limits?.memory !== undefined ? {Memory: parseMemory(limits.memory)} : {}),
      ...(limits?.cpu !== undefined ? {NanoCpus: parseCpu(limits.cpu)} : {}),
    },
  }
}

/**
 * Create a container, refusing a name in use by something that is not this very pod (the
 * documents' 409 "container name is already in use"); a leftover of this pod's own earlier,
 * interrupted attempt is replaced.
 */
async function createOwned(docker: Dockerode, node: string, pod: PodRecord, opts: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
  try {
    return await timed(`docker create ${opts.name}`, () => docker.createContainer(opts))
  } catch (error) {
    if (dockerStatus(error) !== 409) throw error
    const existing = docker.getContainer(opts.name!)
    const info = await existing.inspect()
    if (info.Config.Labels?.[LABEL_UID] !== pod.uid) {
      throw new InputError(
        `the container name "${opts.name}" is already in use on node ${node} by container ${info.Id.slice(0, 12)} (Docker's 409 Conflict)`,
        `remove that container (mk8s node exec ${node} -- docker rm -f ${info.Id.slice(0, 12)}) or run 'mk8s doctor --fix' if mk8s left it behind`,
      )
    }
    await existing.remove({force: true})
    return docker.createContainer(opts)
  }
}

/**
 * Create a container from an image as the node has it. Only when Docker answers that it has no such
 * image (404) is the image looked for, pulled or refused as `policy` says, and the create tried
 * again: one API call fewer per container (each is a round trip through the forwarded socket).
 * `Always` pulls first, as kubelet does.
 */
async function createWithImage(docker: Dockerode, node: string, pod: PodRecord, opts: Dockerode.ContainerCreateOptions, policy: Container['imagePullPolicy']): Promise<Dockerode.Container> {
  if (policy === 'Always') await ensureImage(docker, node, opts.Image!, policy)
  try {
    return await createOwned(docker, node, pod, opts)
  } catch (error) {
    if (dockerStatus(error) !== 404 || policy === 'Always') throw error
    await ensureImage(docker, node, opts.Image!, policy)
    return createOwned(docker, node, pod, opts)
  }
}

/**
 * Start the pause container (no network: mk8s wires its namespace) and return its id.
 * Docker writes its /etc/resolv.conf from `dns` (the cluster DNS) even with --network none, and the
 * app containers that join its network share that file.
 */
export async function startPause(docker: Dockerode, node: string, pod: PodRecord, dns?: PodDns, id?: PodIdentity): Promise<{id: string}> {
  if (id) dns = id.dns
  const c = await createWithImage(docker, node, pod, {
    name: pauseName(pod),
    Image: PAUSE_IMAGE,
    ...(pod.network === 'host' ? {} : {Hostname: id?.hostname ?? pod.name}),
    ...(id?.domainname ? {Domainname: id.domainname} : {}),
    Labels: labelsFor(pod, 'POD'),
    HostConfig: {
      NetworkMode: pod.network === 'host' ? 'host' : 'none',
      ...(dns && pod.network === 'pod' ? {Dns: dns.servers, DnsSearch: dns.search, DnsOptions: dns.options} : {}),
      ...(id?.extraHosts.length ? {ExtraHosts: id.extraHosts} : {}),
    },
  }, 'IfNotPresent')
  await timed(`docker start ${pauseName(pod)}`, () => c.start())
  // the node's script finds its pid itself (pausePidStep): no inspect here
  return {id: c.id}
}

export async function startContainers(docker: Dockerode, node: string, pod: PodRecord, spec: PodSpec, pauseId: string): Promise<Array<{name: string; id: string; image: string}>> {
  const out = []
  for (const c of spec.containers) {
    const created = await createWithImage(docker, node, pod, containerConfig(pod, spec, c, pauseId), c.imagePullPolicy)
    await timed(`docker start ${containerName(pod, c.name)}`, () => created.start())
    out.push({name: c.name, id: created.id, image: c.image})
  }
  return out
}

/** The pause container of this very pod (by its uid label), if Docker has one. */
export async function findPause(docker: Dockerode, pod: Pick<PodRecord, 'uid'>): Promise<string | undefined> {
  const list = await docker.listContainers({all: true, filters: {label: [`${LABEL_UID}=${pod.uid}`, `${LABEL_CONTAINER}=POD`]}})
  return list[0]?.Id
}

/** Every container of the pod (found by label, whatever the state says), apps first, pause last. */
export async function removePodContainers(docker: Dockerode, pod: Pick<PodRecord, 'namespace' | 'name'>): Promise<number> {
  const list = await docker.listContainers({all: true, filters: {label: [`${LABEL_POD}=${pod.namespace}/${pod.name}`]}})
  list.sort((a, b) => Number(a.Labels[LABEL_CONTAINER] === 'POD') - Number(b.Labels[LABEL_CONTAINER] === 'POD'))
  for (const c of list) {
    try {
      await docker.getContainer(c.Id).remove({force: true})
    } catch (error) {
      if (dockerStatus(error) !== 404) throw error
    }
  }
  return list.length
}

export interface ContainerLive {
  name: string
  id: string
  image: string
  running: boolean
  state: string
  exitCode?: number
  startedAt?: string
  finishedAt?: string
  restartCount: number
  error?: string
}

/** Live status of a pod's containers, from Docker. */
export async function inspectPod(docker: Dockerode, pod: PodRecord): Promise<{pause?: ContainerLive; containers: ContainerLive[]}> {
  const list = await docker.listContainers({all: true, filters: {label: [`${LABEL_POD}=${pod.namespace}/${pod.name}`]}})
  const lives = await Promise.all(
    list.map(async (c): Promise<ContainerLive & {label: string}> => {
      const i = await docker.getContainer(c.Id).inspect()
      return {
        label: c.Labels[LABEL_CONTAINER],
        name: c.Labels[LABEL_CONTAINER],
        id: i.Id,
        image: i.Config.Image,
        running: i.State.Running,
        state: i.State.Restarting ? 'restarting' : i.State.Status,
        exitCode: i.State.Running ? undefined : i.State.ExitCode,
        startedAt: i.State.StartedAt,
        finishedAt: i.State.Running ? undefined : i.State.FinishedAt,
        restartCount: i.RestartCount,
        error: i.State.Error || undefined,
      }
    }),
  )
  return {pause: lives.find((l) => l.label === 'POD'), containers: lives.filter((l) => l.label !== 'POD')}
}

/** The last lines a container wrote (stdout and stderr). */
export async function tailLogs(docker: Dockerode, id: string, lines = 10): Promise<string> {
  const buf = (await docker.getContainer(id).logs({stdout: true, stderr: true, tail: lines, follow: false})) as unknown as Buffer
  // demultiplex Docker's 8-byte frame headers
  const out: string[] = []
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4)
    out.push(buf.subarray(i + 8, i + 8 + size).toString('utf8'))
    i += 8 + size
  }
  return out.join('').trimEnd()
}
