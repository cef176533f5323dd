import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {renderDoctor} from '../lib/doctor/render.js'
import {doctor} from '../lib/doctor/service.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check every node and the state for known pitfalls and drift; --fix applies the safe fixes'
  static override description = `Reads every node once (sysctls, iptables with counters, routes, ARP and FDB entries, bridge ports, the pods' namespaces, Docker's containers and networks) and reports each finding with its id, severity, node, object, evidence and fix. Checks: Docker socket access, address pools overlapping other networks, container names in use (409), two containers of a pod on one port, containers that exited because their port was taken; ip_forward, br_netfilter, FORWARD policy DROP without mk8s's rules, masquerade, hairpin, pod MTU, VXLAN UDP 8472 blocked, checksum offload, both iptables backends in use, routes/ARP/FDB entries missing or stale, service chains stale or missing, stale UDP conntrack entries of a service; every pod against its node whatever its phase (a start or delete a killed mk8s left, containers gone or stopped, an app container in another namespace than its restarted pause container, its veth, address and lease), the cluster DNS records of each node, the readinessProbe of every running pod that has one (probed again from its node: pod-probe-passing, pod-probe-failing, pod-not-ready), changes the state holds that the nodes were not programmed with; and containers, veths, leases and namespaces the state no longer knows. --fix starts such pods again from their spec on their node with their address, finishes cut-short deletes, marks pods ready (an endpoint) whose readinessProbe passes now and not ready (no endpoint) whose probe fails failureThreshold times in a row, and removes what nothing owns. mk8s probes pods when it starts them and when doctor runs, not continuously: run doctor --fix again (by hand, cron or a timer) to follow a probe that changes.

--fix applies only fixes that touch what mk8s owns or a kernel setting it needs, and names the rest.

Exit codes: 0 no findings (info notes aside), 1 findings remain (an unreachable node is one).`
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --fix', '<%= config.bin %> doctor --fix    # after a pod\'s readinessProbe started passing: it becomes an endpoint', '<%= config.bin %> doctor -o json | jq \'.findings[] | select(.severity == "error")\'']
  static override flags = {
    fix: Flags.boolean({description: 'apply the fixes marked safe, then check again', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const r = await doctor(this.ctx, {fix: this.flags.fix})
    this.render(r, () => renderDoctor(r))
    return r
  }
}
