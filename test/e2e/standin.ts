/**
 * Stand-in pods for tests and benches that need the pod data path without containers: a network
 * namespace on cni0 with an address of the node's /24, cni0's MTU and a default route via .1 (the
 * wiring the pod area gives a pause container), serving HTTP with busybox httpd: /cgi-bin/ip
 * answers the client address it sees, /big is 2 MB.
 */
export interface Run {
  code: number
  stdout: string
  stderr: string
}
export type RunOn = (node: string, argv: string[]) => Promise<Run>

const ADD = `set -e
ns=$1; ip=$2; gw=$3; mtu=$(cat /sys/class/net/cni0/mtu); www=/tmp/$ns
ip netns add "$ns"
ip link add "$ns" mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$ns"
ip link set "$ns" master cni0 up
ip -n "$ns" addr add "$ip/24" dev eth0
ip -n "$ns" link set lo up
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via "$gw"
mkdir -p "$www/cgi-bin"
dd if=/dev/zero of="$www/big" bs=1024 count=2048 2>/dev/null
printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n%%s\\\\n" "$REMOTE_ADDR"\\n' >"$www/cgi-bin/ip"
chmod +x "$www/cgi-bin/ip"
ip netns exec "$ns" busybox httpd -p 8080 -h "$www"`
const DEL = 'pids=$(ip netns pids "$1" 2>/dev/null); [ -z "$pids" ] || kill $pids; ip netns del "$1" 2>/dev/null; ip link del "$1" 2>/dev/null; rm -rf "/tmp/$1"; true'

/** The lab node's pod subnet index (node1 -> 0) and the stand-in's address in it. */
export const subnetOf = (node: string): number => Number(node.replace('node', '')) - 1
export const standinIp = (node: string, host = 200): string => `10.244.${subnetOf(node)}.${host}`
export const standinName = (node: string, host = 200): string => `ovt-${node}-${host}`

export async function addStandin(runOn: RunOn, node: string, host = 200): Promise<void> {
  const r = await runOn(node, ['sh', '-c', ADD, 'sh', standinName(node, host), standinIp(node, host), `10.244.${subnetOf(node)}.1`])
  if (r.code !== 0) throw new Error(`stand-in pod on ${node}: ${r.stderr}`)
}

export async function delStandin(runOn: RunOn, node: string, host = 200): Promise<void> {
  await runOn(node, ['sh', '-c', DEL, 'sh', standinName(node, host)])
}

/** A command inside a stand-in's namespace. */
export const inStandin = (node: string, argv: string[], host = 200): string[] => ['ip', 'netns', 'exec', standinName(node, host), ...argv]
