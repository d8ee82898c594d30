// The interrupt registry and the temporary directories registered in it.

import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { onInterrupt, runInterruptCleanups } from '../../lib/fs/interrupt.js'
import { makeTempDir } from '../../lib/fs/temp-dir.js'
import { tempDir } from '../helpers/fixture-dir.js'

t.test('cleanups run newest first, once, past a failing one; unregistered ones never', async t => {
  const ran: string[] = []
  onInterrupt(() => ran.push('first'))
  const unregister = onInterrupt(() => ran.push('gone'))
  onInterrupt(() => {
    throw new Error('cleanup failed')
  })
  onInterrupt(() => ran.push('last'))
  unregister()
  runInterruptCleanups()
  runInterruptCleanups()
  t.same(ran, ['last', 'first'])
})

t.test('a temporary directory is removed by an interrupt until removed by its owner', async t => {
  const parent = await tempDir(t, 'bootc-live-interrupt-')
  const a = await makeTempDir(parent, 'a-')
  await writeFile(join(a.path, 'data'), 'x')
  runInterruptCleanups()
  t.notOk(existsSync(a.path))
  await a.remove() // still fine after the interrupt removed it

  const b = await makeTempDir(parent, 'b-')
  await b.remove()
  t.notOk(existsSync(b.path))
  // Its cleanup went with it: a later directory of the same name is not removed.
  await mkdir(b.path)
  runInterruptCleanups()
  t.ok(existsSync(b.path))
})
