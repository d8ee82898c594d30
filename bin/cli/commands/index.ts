// The command table, in the order `--help` lists them. A command's module is loaded only when it
// runs: importing every command's dependencies at each start costs tens of milliseconds. Each
// import() names its module literally so that bundlers (esbuild, for the initramfs) include it.

import type { Command } from '../command.js'

export const COMMAND_LOADERS: ReadonlyMap<string, () => Promise<Command>> = new Map([
  ['inspect', async () => (await import('./inspect.js')).inspectCommand],
  ['unpack', async () => (await import('./unpack.js')).unpackCommand],
  ['erofs', async () => (await import('./erofs.js')).erofsCommand],
  ['mkfs', async () => (await import('./mkfs.js')).mkfsCommand],
  ['digest', async () => (await import('./digest.js')).digestCommand],
  ['ls', async () => (await import('./ls.js')).lsCommand],
  ['cat', async () => (await import('./cat.js')).catCommand],
  ['pull', async () => (await import('./pull.js')).pullCommand],
  ['cmdline', async () => (await import('./cmdline.js')).cmdlineCommand],
  ['initrd-append', async () => (await import('./initrd-append.js')).initrdAppendCommand],
])

export function loadCommands(): Promise<Command[]> {
  return Promise.all([...COMMAND_LOADERS.values()].map(load => load()))
}
