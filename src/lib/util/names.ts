import {InputError} from '../errors.js'

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** A DNS-1123 label, as Kubernetes requires of most names. Exit 2 with the rule otherwise. */
export function validateName(kind: string, name: string, maxLength = 63): string {
  if (typeof name !== 'string' || name.length === 0) throw new InputError(`${kind} name is empty`)
  if (name.length > maxLength || !LABEL.test(name)) {
    throw new InputError(
      `invalid ${kind} name ${JSON.stringify(name)}: must be at most ${maxLength} characters of lower-case letters, digits and '-', starting and ending with a letter or digit (DNS-1123 label)`,
      `try a name like "my-${kind.replaceAll(' ', '-')}-1"`,
    )
  }
  return name
}

/** A DNS-1123 subdomain: labels joined by dots, 253 characters at most. */
export function validateSubdomain(kind: string, name: string): string {
  if (name.length > 253 || !name.split('.').every((l) => LABEL.test(l) && l.length <= 63)) {
    throw new InputError(
      `invalid ${kind} name ${JSON.stringify(name)}: must be lower-case DNS-1123 labels joined by '.' (253 characters at most)`,
    )
  }
  return name
}

/** A Linux interface name that mk8s creates for the user (bridge): a DNS-1123 label of 15 characters at most. */
export const validateIfaceName = (kind: string, name: string): string => validateName(kind, name, 15)
