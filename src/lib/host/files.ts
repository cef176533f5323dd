import {step, type Step} from './plan.js'

/** A step that writes `content` to `path` atomically (mode 0600 unless given; a temp file of its own, then rename), creating its folder. */
export const writeFileStep = (path: string, content: string, mode = '600'): Step =>
  step(['sh', '-c', 'mkdir -p "$(dirname "$1")" && umask 077 && t="$1.$$.tmp" && cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$1"', 'sh', path, mode], {
    stdin: content,
  })

/**
 * Files of one folder in, one stream: "@@ NAME" starts a file, the lines after it are its content
 * (the files' lines never start with "@@ "). Each file is written in place and closed once whole
 * (a reader watching the folder with inotify, as dnsmasq does, reads it again then). The names
 * given as arguments are removed first. Readable by all (dnsmasq drops root), or by root alone.
 */
const writeFiles = (umask: '022' | '077') => `mkdir -p "$1" && cd "$1" || exit 1
shift
[ $# -eq 0 ] || rm -f -- "$@"
umask ${umask}
awk '/^@@ / { if (f != "") close(f); f = $2; printf "" > f; next } f != "" { print > f }'`

/** The bundle of files writeFilesStep reads (and doctor's read of a folder prints). */
export const filesBundle = (files: Readonly<Record<string, string>>, names: readonly string[] = Object.keys(files)): string =>
  names.map((n) => `@@ ${n}\n${files[n]}`).join('')

/** A bundle back into files. */
export function parseFilesBundle(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  let name: string | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith('@@ ')) out[(name = line.slice(3).trim())] = ''
    else if (name !== undefined && line) out[name] += `${line}\n`
  }
  return out
}

/** One step: `names` of `files` written into the folder `dir` (made if missing), `remove` removed first; `private`: readable by root alone. */
export const writeFilesStep = (dir: string, files: Readonly<Record<string, string>>, names: readonly string[], remove: readonly string[] = [], o: {private?: boolean} = {}): Step =>
  step(['sh', '-c', writeFiles(o.private ? '077' : '022'), 'sh', dir, ...remove], {stdin: filesBundle(files, names)})
