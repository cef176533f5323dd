import YAML from 'yaml'
import type {Manifest} from './manifests.js'

/** Multi-document YAML, one `---` document per object, as `kubectl apply -f` reads it. */
export const toYamlDocuments = (items: Manifest[]): string =>
  items.map((m) => `---\n${YAML.stringify(m, {lineWidth: 0})}`).join('')
