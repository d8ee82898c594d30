// The command table, in the order `--help` lists them.

import type { Command } from '../command.js'
import { catCommand } from './cat.js'
import { cmdlineCommand } from './cmdline.js'
import { digestCommand } from './digest.js'
import { erofsCommand } from './erofs.js'
import { initrdAppendCommand } from './initrd-append.js'
import { inspectCommand } from './inspect.js'
import { lsCommand } from './ls.js'
import { mkfsCommand } from './mkfs.js'
import { pullCommand } from './pull.js'
import { unpackCommand } from './unpack.js'

export const COMMANDS: readonly Command[] = [inspectCommand, unpackCommand, erofsCommand, mkfsCommand, digestCommand, lsCommand, catCommand, pullCommand, cmdlineCommand, initrdAppendCommand]
