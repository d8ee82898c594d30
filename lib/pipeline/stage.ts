// One-pass unpacking: while pass 1 reads the layers, the data of every file that enters the tree is
// copied to a numbered file in a staging folder on the target filesystem. The directory writer
// then renames the survivors into place, so each layer is decompressed once and each byte written
// once (files replaced or whited out by later layers are dropped with the staging folder).

import { closeSync, constants, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { TarEntry } from '../tar/entry.js'
import type { Content } from '../tree/node.js'

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants

export class Stager {
  private count = 0
  private fd: number | undefined

  constructor(readonly dir: string) {}

  /** LayerApplier's contentOf: the entry's data will be written to a new staging file. */
  readonly contentOf = (e: TarEntry): Content => {
    const path = Buffer.from(join(this.dir, String(this.count++)))
    this.fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
    return { kind: 'file', path, size: e.size }
  }

  /** TarParser data: bytes of the current entry, written when it is being staged. */
  readonly data = (chunk: Uint8Array): void => {
    if (this.fd === undefined) return
    for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off, chunk.length - off)
  }

  readonly entryEnd = (): void => {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
  }

  /** Closes a file left open by a failed layer. */
  abort(): void {
    this.entryEnd()
  }
}
