// Synchronous cleanups to run when the process is killed by a signal (Ctrl-C, timeout(1),
// systemd): removing temporary files and partial outputs. A catch block never runs then, so each
// place that creates one registers its removal here for as long as it exists.

const cleanups = new Set<() => void>()

/** Registers a synchronous `cleanup`; the returned function unregisters it. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup)
  return () => {
    cleanups.delete(cleanup)
  }
}

/** Runs every registered cleanup, newest first (a file before the directory holding it), once. */
export function runInterruptCleanups(): void {
  const all = [...cleanups].reverse()
  cleanups.clear()
  for (const cleanup of all) {
    try {
      cleanup()
    } catch {
      // The process is going down anyway: the other cleanups still run.
    }
  }
}
