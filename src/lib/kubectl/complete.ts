/**
 * Shell completion that knows the cluster: command words from the CLI's own command list, and the
 * names of pods, services, nodes, namespaces, ... read from the state when a command takes them
 * (`mk8s get pods <TAB>`, `mk8s logs <TAB>`, `mk8s pod exec <TAB>`). `mk8s completion bash`
 * prints the script; the script asks `mk8s completion names KIND` for names.
 */
import {quote} from '../host/quote.js'
import type {State} from '../state/schema.js'
import {KINDS, resolveKind} from './kinds.js'
import {recordsOf} from './verbs.js'

/** Names of the objects of a kind, for completion: namespaced kinds in `namespace` only. */
export function completionNames(state: State, kindWord: string, namespace: string): string[] {
  let kind
  try {
    kind = resolveKind(kindWord)
  } catch {
    return []
  }
  return recordsOf(state, kind).filter((r) => !kind.namespaced || r.namespace === namespace).map((r) => r.name)
}

/** The words that name kinds (what `get` takes first). */
export const kindWords = (): string[] => [...new Set(KINDS.flatMap((k) => [k.plural, k.singular, ...k.short]))].sort()

/**
 * Which kind's names a command takes as its next words: kubectl's verbs take KIND then names; the
 * topic commands take their topic's names; logs, exec and port-forward take pods.
 */
const TOPIC_NAMES: Record<string, string> = {pod: 'pods', svc: 'services', node: 'nodes', ns: 'namespaces', ingress: 'ingresses', netpol: 'networkpolicies'}

/** The bash (and, through bashcompinit, zsh) completion script for the given command ids ("pod:run", "get"). */
export function bashCompletion(bin: string, ids: readonly string[]): string {
  const top = [...new Set(ids.map((id) => id.split(':')[0]))].sort()
  const subs: Record<string, string[]> = Object.fromEntries(top.map((t): [string, string[]] => [t, ids.filter((id) => id.startsWith(`${t}:`)).map((id) => id.split(':')[1]).sort()]).filter(([, s]) => s.length > 0))
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}_complete`
  const caseSubs = Object.entries(subs).map(([t, s]) => `    ${t}) echo ${quote(s.join(' '))} ;;`).join('\n')
  const caseTopics = Object.entries(TOPIC_NAMES).filter(([t]) => subs[t]).map(([t, k]) => `    ${t}) echo ${k} ;;`).join('\n')
  return `# ${bin} completion for bash (zsh: autoload -U bashcompinit && bashcompinit first)
# source <(${bin} completion bash)
${fn}_subs() {
  case "$1" in
${caseSubs}
  esac
}
${fn}_topic_kind() {
  case "$1" in
${caseTopics}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" ns="" i w
  local -a words=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -n|--namespace) ns="\${COMP_WORDS[i+1]}"; i=$((i + 1)) ;;
      --namespace=*) ns="\${w#--namespace=}" ;;
      -*) ;;
      *) words+=("$w") ;;
    esac
  done
  local names=() kind=""
  if [[ \${#words[@]} -eq 0 ]]; then
    COMPREPLY=($(compgen -W ${quote(top.join(' '))} -- "$cur")); return 0
  fi
  local subs; subs="$(${fn}_subs "\${words[0]}")"
  if [[ -n "$subs" && \${#words[@]} -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur")); return 0
  fi
  [[ "$cur" == -* ]] && return 0
  case "\${words[0]}" in
    get|describe|delete|label|annotate|scale|wait|rollout)
      local at=1; [[ "\${words[0]}" == rollout ]] && at=2
      if [[ \${#words[@]} -eq $at ]]; then COMPREPLY=($(compgen -W ${quote(kindWords().join(' '))} -- "$cur")); return 0; fi
      kind="\${words[$at]}" ;;
    logs|exec|port-forward) [[ \${#words[@]} -eq 1 ]] && kind=pods ;;
    *) if [[ -n "$subs" && \${#words[@]} -eq 2 ]]; then
         case "\${words[1]}" in get|describe|delete|rm|exec|logs|leave|repair) kind="$(${fn}_topic_kind "\${words[0]}")" ;; esac
       fi ;;
  esac
  [[ -z "$kind" ]] && return 0
  COMPREPLY=($(compgen -W "$(${bin} completion names "$kind" \${ns:+-n "$ns"} 2>/dev/null)" -- "$cur"))
}
complete -o default -F ${fn} ${bin}
`
}
