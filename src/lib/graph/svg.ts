import {Mk8sError} from '../errors.js'

/** Render DOT text as SVG with Graphviz's `dot` on this machine (Debian's graphviz package). */
export async function dotToSvg(dot: string): Promise<string> {
  const {execa} = await import('execa')
  const r = await execa('dot', ['-Tsvg'], {input: dot, reject: false})
  if ((r as {code?: string}).code === 'ENOENT') {
    throw new Mk8sError('Graphviz is not installed here: "dot" was not found', {hint: "install it (apt-get install graphviz), or print the graph as text with '--format dot' or '--format mermaid'"})
  }
  if (r.exitCode !== 0) throw new Mk8sError(`dot -Tsvg failed (exit ${r.exitCode}): ${r.stderr.trim()}`)
  return r.stdout
}
