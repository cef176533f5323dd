import type {Check} from '../model.js'
import {hostChecks, netnsChecks} from './host.js'
import {backendChecks, netfilterChecks, offloadChecks, sysctlChecks} from './kernel.js'
import {overlayChecks} from './overlay.js'
import {containerChecks, podChecks, portChecks, strayVethChecks, wiringChecks} from './pods.js'
import {conntrackChecks, serviceChainChecks, serviceTableChecks} from './services.js'
import {netpolSelectorChecks, netpolTableChecks} from './netpol.js'
import {dnsChecks} from './dns.js'
import {hostPortChecks} from './hostports.js'
import {ingressChecks} from './ingress.js'

/** Every check family, in the order the report lists them. */
export const CHECKS: Check[] = [
  hostChecks,
  sysctlChecks,
  netfilterChecks,
  backendChecks,
  offloadChecks,
  overlayChecks,
  podChecks,
  containerChecks,
  portChecks,
  wiringChecks,
  strayVethChecks,
  netnsChecks,
  serviceChainChecks,
  serviceTableChecks,
  dnsChecks,
  hostPortChecks,
  ingressChecks,
  conntrackChecks,
  netpolTableChecks,
  netpolSelectorChecks,
]
