#!/usr/bin/env bash
# Installs what mk8s and its lab need on a Debian machine (as root), only what is missing, then
# the npm dependencies and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(docker.io iproute2 iptables nftables openssh-server openssh-client busybox-static
  containernetworking-plugins dnsmasq nginx-light iperf3 conntrack openssl jq graphviz
  util-linux procps kmod iputils-ping curl sudo ufw ethtool bind9-dnsutils time)

if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: run as root (it installs Debian packages)" >&2; exit 2; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # no service is started by the packages: the lab starts its own sshd and dockerd per host
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# kernel modules the lab and the cluster use (built in on some kernels: failures are fine)
for m in bridge veth vxlan br_netfilter overlay nf_conntrack; do modprobe -q "$m" 2>/dev/null || true; done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: the lock file written here lacks other platforms' optional packages
  # (rollup's, esbuild's), which npm ci refuses; install follows the lock and leaves it unchanged
  npm install --no-audit --no-fund --loglevel=error
fi
npm run --silent build >/dev/null
ln -sf "$PWD/bin/run.js" /usr/local/bin/mk8s
echo "setup: done (mk8s is $(command -v mk8s))"
