// The command table, in the order `--help` lists them.

import type { Command } from '../command.js'
import { cmdlineCommand } from './cmdline.js'

export const COMMANDS: readonly Command[] = [cmdlineCommand]
