// Child process for the rootless test: writes sampleTree() into argv[2] as whatever user runs it
// and prints the warnings it got as JSON.

import { BasicContentReader } from '../../lib/tree/content.js'
import { writeTreeToDir } from '../../lib/tree/to-dir.js'
import { sampleTree } from './sample-tree.js'

const warnings: string[] = []
await writeTreeToDir(sampleTree(), new BasicContentReader(), process.argv[2]!, { onWarning: msg => warnings.push(msg) })
process.stdout.write(JSON.stringify(warnings))
