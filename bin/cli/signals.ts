// On SIGINT, SIGTERM or SIGHUP (Ctrl-C, timeout(1), systemd, a closed terminal) no catch or finally
// block runs, so temporary files and partial outputs would stay behind: run the registered
// cleanups (lib/fs/interrupt.ts), then die of the same signal, so the exit status stays 128+n.

import { constants } from 'node:os'
import { runInterruptCleanups } from '../../lib/fs/interrupt.js'

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

for (const signal of SIGNALS) {
  process.once(signal, () => {
    runInterruptCleanups()
    process.kill(process.pid, signal) // `once` removed this handler: the default action kills us
    // Another thread may take the signal a moment later: sleep, so that none of the interrupted work
    // resumes meanwhile (it would fail on the removed files and report that).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000)
    process.exit(128 + constants.signals[signal])
  })
}
