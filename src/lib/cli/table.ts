import Table from 'cli-table3'

/** A kubectl-like table: upper-case headers, no borders, two spaces between columns. */
export function table(head: string[], rows: Array<Array<string | number | boolean | undefined>>): string {
  const t = new Table({
    head: head.map((h) => h.toUpperCase()),
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  '},
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0},
  })
  for (const r of rows) t.push(r.map((c) => (c === undefined ? '<none>' : String(c))))
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n')
}
