import {step, type Step} from './plan.js'

/** A step that writes `content` to `path` atomically (mode 0600 unless given; a temp file of its own, then rename), creating its folder. */
export const writeFileStep = (path: string, content: string, mode = '600'): Step =>
  step(['sh', '-c', 'mkdir -p "$(dirname "$1")" && umask 077 && t="$1.$$.tmp" && cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$1"', 'sh', path, mode], {
    stdin: content,
  })
