// Rewrites the generated tables of docs/manifests.md from the field trees: npx tsx scripts/manifests-doc.ts
import {readFileSync, writeFileSync} from 'node:fs'
import {DOC_BEGIN, DOC_END, renderFieldDocs} from '../src/lib/manifest/docs.js'

const file = new URL('../docs/manifests.md', import.meta.url)
const text = readFileSync(file, 'utf8')
const a = text.indexOf(DOC_BEGIN)
const b = text.indexOf(DOC_END)
if (a < 0 || b < a) throw new Error(`docs/manifests.md lacks the markers ${DOC_BEGIN} ... ${DOC_END}`)
writeFileSync(file, text.slice(0, a) + renderFieldDocs() + text.slice(b + DOC_END.length))
