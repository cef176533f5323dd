/**
 * Small servers the lab's busybox image can run, for the demo, the tests and the benchmarks.
 * `whoami` answers HTTP with the serving pod's hostname and the client address it saw (a CGI
 * under busybox httpd), so a check can tell which backend answered and whether the client's own
 * address arrived.
 */
export const WHOAMI_SCRIPT = `mkdir -p /www/cgi-bin
cat >/www/cgi-bin/whoami <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "host=$(hostname) client=$REMOTE_ADDR"
EOF
chmod +x /www/cgi-bin/whoami
echo "hello from $(hostname)" >/www/index.html
exec httpd -f -p "$1" -h /www`

/** argv of the whoami server on a port (a pod's command). */
export const whoamiCommand = (port = 80): string[] => ['sh', '-c', WHOAMI_SCRIPT, 'whoami', String(port)]

/** Parse "host=web-1 client=10.244.1.3" (busybox httpd says an IPv4 client as [::ffff:a.b.c.d]). */
export function parseWhoami(text: string): {host?: string; client?: string} {
  const m = /host=(\S+) client=(\S+)/.exec(text)
  return m ? {host: m[1], client: m[2].replace(/^\[(?:::ffff:)?|\]$/g, '')} : {}
}
