/** Edit distance where swapping two neighbouring letters is one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  return d[a.length][b.length]
}

/**
 * "Did you mean": the command (ids with spaces) nearest to the typed words, with the words past it kept as they
 * were: `gett pods` -> `get pods`, `pod lst web` -> `pod list web`. Undefined when nothing is near.
 */
export function suggestCommand(typed: string[], commands: readonly string[]): string | undefined {
  let best: {cmd: string; rest: string[]; d: number} | undefined
  for (const c of commands) {
    const words = c.split(' ')
    if (words.length > typed.length) continue
    const head = typed.slice(0, words.length).join(' ')
    const d = editDistance(head, c)
    const limit = Math.max(1, Math.floor(c.length / 3))
    if (d <= limit && (!best || d < best.d || (d === best.d && words.length > best.cmd.split(' ').length))) best = {cmd: c, rest: typed.slice(words.length), d}
  }
  return best ? [best.cmd, ...best.rest].join(' ') : undefined
}
