/**
 * The one place where values become shell text. Everything that reaches a shell on a host is an
 * argv array quoted here: no user input is ever concatenated into a command line.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/

/** Quote one word for a POSIX shell. */
export function quote(word: string): string {
  if (word === '') return "''"
  if (SAFE.test(word)) return word
  return `'${word.replaceAll("'", `'"'"'`)}'`
}

/** Quote an argv array into one command line. */
export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellJoin: empty argv')
  return argv.map(quote).join(' ')
}

/** A heredoc delimiter that does not occur as a line of the text. */
export function heredocDelimiter(text: string): string {
  let n = 0
  const lines = new Set(text.split('\n'))
  while (lines.has(`MK8S_EOF_${n}`)) n++
  return `MK8S_EOF_${n}`
}
