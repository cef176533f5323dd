import {InputError} from '../errors.js'

export interface SecretInput {
  namespace: string
  name: string
  type: string
  labels: Record<string, string>
  /** base64 values, as Kubernetes keeps them */
  data: Record<string, string>
}

const B64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/
const KEY = /^[-._a-zA-Z0-9]+$/

/** Validate a v1 Secret's data (base64) and stringData; a kubernetes.io/tls secret needs a PEM tls.crt and tls.key. */
export function parseSecret(doc: Record<string, unknown>, where: string): Pick<SecretInput, 'type' | 'data'> {
  const type = typeof doc.type === 'string' ? doc.type : 'Opaque'
  if (type !== 'Opaque' && type !== 'kubernetes.io/tls') throw new InputError(`${where}: secret type ${type} is not supported`, 'mk8s keeps Opaque and kubernetes.io/tls secrets')
  const data: Record<string, string> = {}
  for (const [field, encode] of [['data', false], ['stringData', true]] as const) {
    const v = doc[field] ?? {}
    if (typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${where}: ${field} must be a mapping`)
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (!KEY.test(k)) throw new InputError(`${where}: invalid ${field} key ${JSON.stringify(k)}`)
      if (typeof val !== 'string') throw new InputError(`${where}: ${field}.${k} must be a string`)
      if (!encode && !B64.test(val)) throw new InputError(`${where}: data.${k} is not base64`, 'put plain text under stringData instead')
      data[k] = encode ? Buffer.from(val, 'utf8').toString('base64') : val.replace(/\s+/g, '')
    }
  }
  if (type === 'kubernetes.io/tls') {
    for (const [k, pem] of [['tls.crt', 'CERTIFICATE'], ['tls.key', 'PRIVATE KEY']] as const) {
      if (!data[k]) throw new InputError(`${where}: a kubernetes.io/tls secret needs data["${k}"]`, "make one from files with 'kubectl create secret tls NAME --cert=FILE --key=FILE --dry-run=client -o yaml'")
      if (!decode(data[k]).includes(pem)) throw new InputError(`${where}: data["${k}"] is not a PEM ${pem}`)
    }
  }
  return {type, data}
}

export const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8')
