// The CLI dispatcher: parses `bootc-live-unpack <command> [args] [options]`, runs one command,
// and turns every failure into one line on stderr and an exit code (0 ok, 1 error, 2 usage).

import { parseArgs } from 'node:util'
import { BootcLiveError, UsageError, describeSystemError } from '../../lib/errors.js'
import { GLOBAL_OPTIONS, SOURCE_OPTIONS, type Command, type OptionSpec, type OptionValues } from './command.js'
import { COMMAND_LOADERS, loadCommands } from './commands/index.js'
import { packageVersion } from '../../lib/package-root.js'
import { PROGRESS_MODES, createProgress, type ProgressMode } from './progress.js'

export const PROGRAM = 'bootc-live-unpack'

export interface Io {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
}

export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const debug = argv.includes('--debug')
  try {
    return await dispatch(argv, io)
  } catch (err) {
    io.stderr.write(`${PROGRAM}: ${errorLine(err)}\n`)
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`)
    return err instanceof UsageError ? 2 : 1
  }
}

function errorLine(err: unknown): string {
  if (err instanceof BootcLiveError) return err.message
  const sys = err as NodeJS.ErrnoException
  if (sys && typeof sys === 'object' && typeof sys.code === 'string') return describeSystemError(err)
  return `internal error: ${err instanceof Error ? err.message : String(err)} (run with --debug for details)`
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(programHelp(await loadCommands()))
    return name === undefined ? 2 : 0
  }
  if (name === '--version') {
    io.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  const command = await findCommand(name)
  const specs = optionsOf(command)
  const { values, positionals } = parseCommandLine(command, specs, rest)
  if (values.help) {
    io.stdout.write(commandHelp(command))
    return 0
  }
  const [min, max] = command.positionals
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(`usage: ${PROGRAM} ${command.name} ${command.usage}`)
  }
  const mode = (values.progress ?? 'auto') as ProgressMode
  if (!PROGRESS_MODES.includes(mode)) throw new UsageError(`--progress must be one of ${PROGRESS_MODES.join(', ')}`)
  const quiet = values.quiet === true
  const progress = createProgress(quiet ? 'none' : mode, io.stderr)
  try {
    await command.run({
      args: positionals,
      opts: values,
      stdout: io.stdout,
      progress: progress.listener,
      warn: msg => {
        if (!quiet) io.stderr.write(`${PROGRAM}: warning: ${msg}\n`)
      },
      note: msg => {
        if (!quiet) io.stderr.write(`${msg}\n`)
      },
    })
  } finally {
    progress.finish()
  }
  return 0
}

/** The command called `name`, its module loaded now. */
async function findCommand(name: string): Promise<Command> {
  const load = COMMAND_LOADERS.get(name)
  if (!load) throw new UsageError(`unknown command '${name}' (see '${PROGRAM} --help')`)
  return load()
}

function optionsOf(command: Command): Record<string, OptionSpec> {
  return { ...GLOBAL_OPTIONS, ...(command.takesSource ? SOURCE_OPTIONS : {}), ...command.options }
}

function parseCommandLine(
  command: Command,
  specs: Record<string, OptionSpec>,
  args: readonly string[],
): { values: OptionValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(specs).map(([k, s]) => [k, s.short ? { type: s.type, short: s.short } : { type: s.type }]),
  )
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
    return { values: parsed.values as OptionValues, positionals: parsed.positionals }
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err)
    throw new UsageError(`${command.name}: ${msg.replace(/\. To specify.*$/, '')}`)
  }
}

function programHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map(c => c.name.length))
  const lines = commands.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`)
  return [
    `usage: ${PROGRAM} <command> [args] [options]`,
    '',
    'Boot a bootable container image as a live system: read OCI archives, layouts and registries,',
    'apply layers with whiteouts, write a directory or a deterministic EROFS image.',
    '',
    'commands:',
    ...lines,
    '',
    `Run '${PROGRAM} <command> --help' for a command's options. Exit status: 0 ok, 1 error, 2 usage.`,
    '',
  ].join('\n')
}

export function commandHelp(command: Command): string {
  const specs = optionsOf(command)
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.valueName ? ` ${s.valueName}` : ''}`
    return [flag, s.help] as const
  })
  const width = Math.max(...rows.map(r => r[0].length))
  return [
    `usage: ${PROGRAM} ${command.name} ${command.usage} [options]`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
    '',
  ].join('\n')
}
