// What every subcommand declares, and the context it runs with. Options common to all commands are
// declared once here so each command lists only its own.

import type { ProgressListener } from '../../lib/progress.js'

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  readonly valueName?: string
  readonly help: string
  /** The one kind of SOURCE the option applies to; with any other it is a usage error. */
  readonly onlyFor?: 'http' | 'docker'
}

export type OptionValues = Record<string, string | boolean | undefined>

export interface CommandContext {
  readonly args: readonly string[]
  readonly opts: OptionValues
  /** The options the command accepts, by name. */
  readonly specs: Readonly<Record<string, OptionSpec>>
  /** Results go to stdout. */
  readonly stdout: NodeJS.WritableStream
  /** Progress listener for long work, undefined when silenced or not a TTY. */
  readonly progress: ProgressListener | undefined
  /** Warnings go to stderr unless --quiet. */
  warn(message: string): void
  /** A one-line summary on stderr unless --quiet (e.g. what unpack wrote). */
  note(message: string): void
}

export interface Command {
  readonly name: string
  /** "SOURCE DIR": shown in usage lines. */
  readonly usage: string
  readonly summary: string
  /** Further paragraphs for `COMMAND --help`. */
  readonly details?: string
  /** The command's options, common groups (PROGRESS_OPTION, SOURCE_OPTIONS...) spread in as they apply. */
  readonly options: Readonly<Record<string, OptionSpec>>
  readonly positionals: readonly [min: number, max: number]
  run(ctx: CommandContext): Promise<void>
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  quiet: { type: 'boolean', short: 'q', help: 'print nothing but errors (and results on stdout)' },
  debug: { type: 'boolean', help: 'show stack traces of errors' },
}

/** For commands that read layers or download: the others have no progress to show. */
export const PROGRESS_OPTION: Readonly<Record<string, OptionSpec>> = {
  progress: {
    type: 'string',
    valueName: 'auto|bar|lines|none',
    help: 'progress on stderr: auto = a bar on a TTY, nothing otherwise; lines = one line per layer',
  },
}

/** Connection options of docker:// and http(s):// sources. */
export const NETWORK_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  insecure: { type: 'boolean', help: 'allow plain http registries and skip TLS verification' },
  creds: { type: 'string', valueName: 'USER:PASSWORD', help: 'registry credentials (default: from auth.json files)' },
  authfile: { type: 'string', valueName: 'PATH', help: 'containers auth.json to read credentials from' },
  retries: { type: 'string', valueName: 'N', help: 'network retries after a transient failure (default 5)' },
  timeout: { type: 'string', valueName: 'SECONDS', help: 'give up on a connection idle this long (default 30)' },
}

export const PLATFORM_OPTION: Readonly<Record<string, OptionSpec>> = {
  platform: { type: 'string', valueName: 'os/arch[/variant]', help: 'platform to pick from an image index (default: this machine)' },
}

/** Options of commands that read any image SOURCE (the usage names SOURCE). */
export const SOURCE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  label: { type: 'string', short: 'l', valueName: 'L', help: 'which image of the archive (ref.name annotation)' },
  ...PLATFORM_OPTION,
  'normalize-label': { type: 'boolean', help: 'also match docker.io/library/x:latest against x:latest' },
  ...PROGRESS_OPTION,
  ...NETWORK_OPTIONS,
  'max-bytes': { type: 'string', valueName: 'N', help: 'refuse an http(s) download larger than N bytes', onlyFor: 'http' },
}

/** What `SOURCE` may be, shown in the help of every command whose usage names it. */
export const SOURCE_HELP =
  'SOURCE: FILE or oci-archive:FILE (each with an optional :LABEL), oci:DIR[:LABEL], http(s)://URL\n' +
  '(an oci-archive, gzip or zstd too) or docker://REF.'
