import {step, type Step} from './plan.js'

/** A step that writes `content` to `path` (mode 0600 unless given), creating its folder. */
export const writeFileStep = (path: string, content: string, mode = '600'): Step =>
  step(['sh', '-c', 'mkdir -p "$(dirname "$1")" && umask 077 && cat >"$1.tmp" && chmod "$2" "$1.tmp" && mv -f "$1.tmp" "$1"', 'sh', path, mode], {
    stdin: content,
  })
