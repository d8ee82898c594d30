// Runs the CLI in this process with captured stdout and stderr.

import { PassThrough } from 'node:stream'
import { main } from '../../bin/cli/main.js'

export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', d => (out += d))
  stderr.on('data', d => (err += d))
  const code = await main(argv, { stdout, stderr: stderr as unknown as NodeJS.WriteStream })
  return { code, stdout: out, stderr: err }
}
