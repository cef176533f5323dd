/**
 * What a node needs to come back by itself after a reboot: its last programmed configuration as
 * one script, /var/lib/mk8s/boot.sh, run at boot by a systemd unit where the host has systemd.
 * (Without systemd, run the script from the host's own boot mechanism, e.g. an @reboot cron line
 * or /etc/rc.local: `bash /var/lib/mk8s/boot.sh`.) The caller gives the script's text (the
 * node's whole programmed script); these plans only install and remove it. Pure.
 */
import {writeFileStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'

export const BOOT_DIR = '/var/lib/mk8s'
export const BOOT_SCRIPT = `${BOOT_DIR}/boot.sh`
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

/** The script as the file holds it: a header, then the node's programmed script. */
export const bootScript = (script: string): string => `#!/bin/bash\n# written by mk8s on every change to this node; run at boot by ${BOOT_UNIT}\n${script.endsWith('\n') ? script : `${script}\n`}`

/** Install (or rewrite) the boot script and, where the host has systemd, its unit, enabled. */
export function bootInstallPlan(script: string): Plan {
  return [
    writeFileStep(BOOT_SCRIPT, bootScript(script), '700'),
    {...writeFileStep(BOOT_UNIT_PATH, bootUnit(), '644'), onlyIf: HAS_SYSTEMD},
    step(['systemctl', 'daemon-reload'], {onlyIf: HAS_SYSTEMD}),
    step(['systemctl', 'enable', BOOT_UNIT], {onlyIf: HAS_SYSTEMD}),
  ]
}

/** Remove the unit (disabled first) and the script; what is already gone is fine. */
export function bootRemovePlan(): Plan {
  return [
    step(['systemctl', 'disable', BOOT_UNIT], {onlyIf: ['test', '-e', BOOT_UNIT_PATH], tolerate: true}),
    step(['rm', '-f', BOOT_UNIT_PATH]),
    step(['systemctl', 'daemon-reload'], {onlyIf: HAS_SYSTEMD}),
    step(['rm', '-f', BOOT_SCRIPT]),
  ]
}
