// The CLI dispatcher: parses `bootc-live-unpack <command> [args] [options]`, runs one command,
// and turns every failure into one line on stderr and an exit code (0 ok, 1 error, 2 usage).

import type { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { BootcLiveError, UsageError, describeSystemError } from '../../lib/errors.js'
import { GLOBAL_OPTIONS, SOURCE_HELP, type Command, type OptionSpec, type OptionValues } from './command.js'
import { COMMAND_LOADERS, loadCommands } from './commands/index.js'
import { packageVersion } from '../../lib/package-root.js'
import { PROGRESS_MODES, createProgress, type ProgressMode } from './progress.js'
import './signals.js' // on SIGINT/SIGTERM/SIGHUP: remove temporary and partial outputs, then die of the signal

export const PROGRAM = 'bootc-live-unpack'

export interface Io {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
}

export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const debug = argv.includes('--debug')
  const stdout = watchWrites(io.stdout)
  let failure: unknown
  let code = 0
  try {
    code = await dispatch(argv, io)
  } catch (err) {
    failure = err
  }
  // A closed pipe or a full disk on stdout is the failure to report, whatever it broke after.
  const writeError = await stdout.settle()
  if (writeError) {
    failure = new BootcLiveError('IO', `writing standard output: ${writeError.code ?? writeError.message}`, { cause: writeError })
  }
  if (failure === undefined) return code
  io.stderr.write(`${PROGRAM}: ${errorLine(failure)}\n`)
  if (debug && failure instanceof Error && failure.stack) io.stderr.write(`${failure.stack}\n`)
  return failure instanceof UsageError ? 2 : 1
}

/**
 * Holds stdout's write errors (EPIPE, ENOSPC), which would otherwise be an unhandled 'error' event;
 * settle() waits until everything written has left and gives the first of them.
 */
function watchWrites(out: NodeJS.WritableStream): { settle(): Promise<NodeJS.ErrnoException | undefined> } {
  let first: NodeJS.ErrnoException | undefined
  const onError = (err: NodeJS.ErrnoException) => {
    first ??= err
  }
  out.on('error', onError)
  return {
    settle: () =>
      new Promise(resolve => {
        out.write('', (err?: Error | null) => {
          // A stream destroyed by an earlier failure answers ERR_STREAM_DESTROYED; `errored` keeps that failure.
          const error = first ?? ((out as Writable).errored as NodeJS.ErrnoException | null) ?? err ?? undefined
          // Without an error nothing more can come; after one, the listener stays for the pending 'error' event.
          if (!error) out.off('error', onError)
          resolve(error)
        })
      }),
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
  if (name === undefined) throw new UsageError(`usage: ${PROGRAM} <command> [args] [options] (see '${PROGRAM} --help')`)
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(programHelp(await loadCommands()))
    return 0
  }
  if (name === 'help') {
    if (rest.length > 1) throw new UsageError(`usage: ${PROGRAM} help [COMMAND]`)
    io.stdout.write(commandHelp(await findCommand(rest[0]!)))
    return 0
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
  if (positionals.length < min || positionals.length > max) throw new UsageError(`usage: ${usageLine(command)}`)
  const mode = (values.progress ?? 'auto') as ProgressMode
  if (!PROGRESS_MODES.includes(mode)) throw new UsageError(`--progress must be one of ${PROGRESS_MODES.join(', ')}`)
  const quiet = values.quiet === true
  const progress = createProgress(quiet ? 'none' : mode, io.stderr)
  try {
    await command.run({
      args: positionals,
      opts: values,
      specs,
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
  return { ...GLOBAL_OPTIONS, ...command.options }
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
    // Node's hints ("use '--retries=-XYZ'") stay, on the one line; the one about positionals goes.
    const msg = (err instanceof Error ? err.message : String(err)).split('\n').join(' ')
    throw new UsageError(`${command.name}: ${msg.replace(/\. To specify a positional.*$/, '')}`)
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
    'options:',
    '  -h, --help     show this help',
    '      --version  print the version',
    '',
    `Run '${PROGRAM} <command> --help' (or '${PROGRAM} help <command>') for a command's options.`,
    'Exit status: 0 ok, 1 error, 2 usage.',
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
    `usage: ${usageLine(command)} [options]`,
    '',
    command.summary,
    ...(command.usage.includes('SOURCE') ? ['', SOURCE_HELP] : []),
    ...(command.details ? ['', command.details] : []),
    '',
    'options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
    '',
  ].join('\n')
}

function usageLine(command: Command): string {
  return [PROGRAM, command.name, command.usage].filter(Boolean).join(' ')
}
