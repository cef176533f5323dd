declare module 'mk8s:embedded' {
  import type {Command, Interfaces} from '@oclif/core'

  export interface EmbeddedPlugin {
    pjson: Interfaces.PJSON
    manifest: Interfaces.Manifest
    commands: Record<string, Command.Class>
  }
  /** mk8s first, then the oclif plugins it lists in package.json. */
  export const plugins: EmbeddedPlugin[]
}
