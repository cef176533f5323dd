import {Flags} from '@oclif/core'

/** -l: kubectl's whole selector grammar. */
export const selectorFlag = {
  selector: Flags.string({char: 'l', description: "label selector: 'app=web', 'app!=web', 'app in (a,b)', 'app notin (a,b)', 'app', '!app', joined by commas"}),
}

export const allNamespacesFlag = {
  'all-namespaces': Flags.boolean({char: 'A', description: 'objects of every namespace', default: false}),
}

/** The printing flags of get and of every list (beside -o). */
export const printFlags = {
  'no-headers': Flags.boolean({description: 'tables without their header line', default: false}),
  'show-labels': Flags.boolean({description: 'a LABELS column, last', default: false}),
  'label-columns': Flags.string({char: 'L', description: 'a column with the value of this label (repeat, or comma-separated)', multiple: true}),
  'sort-by': Flags.string({description: "sort by a JSONPath, e.g. '.metadata.name' or '{.status.podIP}'"}),
}

export const fieldSelectorFlag = {
  'field-selector': Flags.string({description: 'metadata.name, metadata.namespace, spec.nodeName, status.phase with =, == or !=, joined by commas'}),
}
