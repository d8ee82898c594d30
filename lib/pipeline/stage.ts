// One-pass unpacking: while pass 1 reads the layers, the data of every file that enters the tree is
// copied to a numbered file in a staging folder on the target filesystem. The directory writer
// then renames the survivors into place, so each layer is decompressed once and each byte written
// once (files replaced or whited out by later layers are dropped with the staging folder).

import { closeSync, constants, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ioError } from '../errors.js'
import type { TarEntry } from '../tar/entry.js'
import type { Content } from '../tree/node.js'
import { showPath } from '../tree/path.js'

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants

export class Stager {
  private count = 0
  private fd: number | undefined
  /** The entry being staged: failures name it, not the internal staging file. */
  private entryPath = ''

  constructor(readonly dir: string) {}

  /** LayerApplier's contentOf: the entry's data will be written to a new staging file. */
  readonly contentOf = (e: TarEntry): Content => {
    const path = Buffer.from(join(this.dir, String(this.count++)))
    this.entryPath = e.path
    this.fd = this.io(() => openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600))
    return { kind: 'file', path, size: e.size }
  }

  /** TarParser data: bytes of the current entry, written when it is being staged. */
  readonly data = (chunk: Uint8Array): void => {
    const fd = this.fd
    if (fd === undefined) return
    this.io(() => {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off)
    })
  }

  readonly entryEnd = (): void => {
    const fd = this.fd
    if (fd === undefined) return
    this.fd = undefined
    this.io(() => closeSync(fd))
  }

  /** Closes a file left open by a failed layer. */
  abort(): void {
    this.entryEnd()
  }

  private io<T>(call: () => T): T {
    try {
      return call()
    } catch (err) {
      throw ioError(`unpacking ${showPath(this.entryPath)}`, err)
    }
  }
}
