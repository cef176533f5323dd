/**
 * What a node needs to come back by itself after a reboot: its last programmed configuration as
 * a script, /var/lib/mk8s/boot.sh, run at boot by a systemd unit where the host has systemd.
 * (Without systemd, run the script from the host's own boot mechanism, e.g. an @reboot cron line
 * or /etc/rc.local: `bash /var/lib/mk8s/boot.sh`.) The script runs one part per area, each in its
 * own file under /var/lib/mk8s/boot.d, so that a change rewrites only the parts it changed (a pod
 * run, the pods' part). The pipeline gives the parts' bodies (see pipeline/plan.ts); these plans
 * install, rewrite and remove them; the parts are root's alone (the ingress part holds TLS keys). Pure.
 */
import {writeFileStep, writeFilesStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'

export const BOOT_DIR = '/var/lib/mk8s'
export const BOOT_SCRIPT = `${BOOT_DIR}/boot.sh`
export const BOOT_PARTS_DIR = `${BOOT_DIR}/boot.d`
export const BOOT_UNIT = 'mk8s-boot.service'
export const BOOT_UNIT_PATH = `/etc/systemd/system/${BOOT_UNIT}`

/** The host runs systemd (as sd_booted() tells it). */
const HAS_SYSTEMD = ['test', '-d', '/run/systemd/system'] as const

export const bootUnit = (): string =>
  [
    '# written by mk8s: brings the pod network of this node back after a boot',
    '[Unit]',
    'Description=mk8s: restore this node (bridge, overlay, rules, DNS, ingress, pods)',
    'Wants=network-online.target docker.service',
    'After=network-online.target docker.service',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=/bin/bash ${BOOT_SCRIPT}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n')

/** The script: each part that is there, in the given order; one that fails does not stop the others (the script then exits 1). */
export const bootScript = (order: readonly string[]): string =>
  [
    '#!/bin/bash',
    `# written by mk8s; run at boot by ${BOOT_UNIT}: brings this node back as mk8s last programmed it`,
    `# one part per area in ${BOOT_PARTS_DIR}, rewritten by every change to it, in the order mk8s programs them`,
    `cd ${BOOT_PARTS_DIR} || exit 1`,
    'rc=0',
    `for part in ${order.join(' ')}; do`,
    '  [ -e "$part.sh" ] || continue',
    '  echo "mk8s boot: $part"',
    '  bash "$part.sh" || rc=1',
    'done',
    'exit "$rc"',
    '',
  ].join('\n')

/** Install (or rewrite) the script, its parts afresh and, where the host has systemd, its unit, enabled. */
export function bootInstallPlan(parts: Readonly<Record<string, string>>, order: readonly string[]): Plan {
  const names = order.filter((a) => parts[a])
  return [
    step(['rm', '-rf', BOOT_PARTS_DIR]),
    writeFilesStep(BOOT_PARTS_DIR, Object.fromEntries(names.map((a) => [`${a}.sh`, parts[a]])), names.map((a) => `${a}.sh`), [], {private: true}),
    writeFileStep(BOOT_SCRIPT, bootScript(order), '700'),
    {...writeFileStep(BOOT_UNIT_PATH, bootUnit(), '644'), onlyIf: HAS_SYSTEMD},
    step(['systemctl', 'daemon-reload'], {onlyIf: HAS_SYSTEMD}),
    step(['systemctl', 'enable', BOOT_UNIT], {onlyIf: HAS_SYSTEMD}),
  ]
}

/** Rewrite the parts a change changed (`parts`: area -> body), remove those it emptied. */
export function bootUpdatePlan(parts: Readonly<Record<string, string>>, removed: readonly string[]): Plan {
  const names = Object.keys(parts).sort()
  if (names.length === 0 && removed.length === 0) return []
  return [writeFilesStep(BOOT_PARTS_DIR, Object.fromEntries(names.map((a) => [`${a}.sh`, parts[a]])), names.map((a) => `${a}.sh`), removed.map((a) => `${a}.sh`), {private: true})]
}

/** Remove the unit (disabled first), the script and its parts; what is already gone is fine. */
export function bootRemovePlan(): Plan {
  return [
    step(['systemctl', 'disable', BOOT_UNIT], {onlyIf: ['test', '-e', BOOT_UNIT_PATH], tolerate: true}),
    step(['rm', '-f', BOOT_UNIT_PATH]),
    step(['systemctl', 'daemon-reload'], {onlyIf: HAS_SYSTEMD}),
    step(['rm', '-rf', BOOT_SCRIPT, BOOT_PARTS_DIR]),
  ]
}
