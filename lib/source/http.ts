// An oci-archive fetched by http(s) URL. The archive is downloaded once to a private temporary file
// and then read in place by archive.ts: a tar has no index and skopeo writes index.json after the
// blobs, so reading it needs random access that a single forward HTTP stream cannot give (and
// ranged reads over the network per blob would multiply requests and failure points). The file is
// deleted when the source is closed.

import { createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { LimitError, NetworkError, UsageError } from '../errors.js'
import { makeTempDir } from '../fs/temp-dir.js'
import type { BlobStore } from '../oci/image.js'
import type { ProgressListener } from '../progress.js'
import { openArchiveStore } from './archive.js'
import { openCompressedArchiveStore, sniffFile } from './compressed.js'
import { RetryBudget } from './registry/retry.js'
import { httpError, rangeHeader, resumableBody, send, type TransportOptions } from './registry/transport.js'

export interface DownloadOptions extends TransportOptions {
  onProgress?: ProgressListener
  /** Refuse a download larger than this many bytes. */
  maxBytes?: number
  /** The whole download, retries included, must end within this many ms. */
  timeLimitMs?: number
  /** Extra request headers (e.g. authorization for a private server). */
  headers?: Record<string, string>
}

export interface HttpSourceOptions extends DownloadOptions {
  /** Where the downloaded archive is kept while open (default: os.tmpdir()). */
  tmpDir?: string
}

/** Streams `url` into `path` with progress, retries and Range resume; returns the byte count. */
export async function downloadToFile(url: string, path: string, opts: DownloadOptions = {}): Promise<number> {
  const target = parseHttpUrl(url)
  const what = `download ${redact(target)}`
  const timer = timeLimit(what, opts)
  const signal = timer?.signal ?? opts.signal
  const topts: TransportOptions = { ...opts, signal }
  let bytes = 0
  let total: number | undefined
  const body = resumableBody(async offset => {
    const res = await send(target, { headers: { ...opts.headers, ...rangeHeader(offset), 'accept-encoding': 'identity' } }, topts)
    if (res.status < 200 || res.status > 299) throw await httpError(res, what)
    return res
  }, what, {
    budget: new RetryBudget(opts.retry, signal),
    signal,
    onBytes: (got, length) => {
      bytes = got
      total = length
      if (opts.maxBytes !== undefined && (got > opts.maxBytes || (length ?? 0) > opts.maxBytes)) {
        throw new LimitError(`${what}: ${length ?? `more than ${got}`} bytes exceed the limit of ${opts.maxBytes}`)
      }
      opts.onProgress?.({ phase: 'download', bytes: got, total: length })
    },
  })
  try {
    await pipeline(Readable.from(body), createWriteStream(path, { mode: 0o600 }), signal ? { signal } : {})
  } catch (err) {
    throw signal?.aborted ? signal.reason : err
  } finally {
    timer?.clear()
  }
  opts.onProgress?.({ phase: 'download', bytes, total: total ?? bytes, done: true })
  return bytes
}

/** Downloads the archive at `url` and opens it (plain or gzip/zstd-compressed) as a BlobStore. */
export async function openHttpStore(url: string, opts: HttpSourceOptions = {}): Promise<BlobStore> {
  const name = redact(parseHttpUrl(url))
  const dir = await makeTempDir(opts.tmpDir ?? tmpdir(), 'bootc-live-http-')
  try {
    const path = join(dir.path, 'archive')
    await downloadToFile(url, path, opts)
    if ((await sniffFile(path)) === 'none') return await openArchiveStore(path, name, dir.remove)
    return withCleanup(await openCompressedArchiveStore(path, dir.path), dir.remove)
  } catch (err) {
    await dir.remove()
    throw err
  }
}

function withCleanup(store: BlobStore, cleanup: () => Promise<void>): BlobStore {
  return {
    name: store.name,
    readIndexJson: () => store.readIndexJson(),
    openBlob: digest => store.openBlob(digest),
    close: async () => {
      try {
        await store.close()
      } finally {
        await cleanup()
      }
    },
  }
}

function parseHttpUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new UsageError(`invalid url ${JSON.stringify(url)}`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${url}: want an http or https url`)
  return u
}

/** The URL for messages, without user:password. */
function redact(u: URL): string {
  if (u.username === '' && u.password === '') return u.href
  const copy = new URL(u.href)
  copy.username = ''
  copy.password = ''
  return copy.href
}

/** An AbortSignal that fires with a permanent NetworkError after `timeLimitMs`. */
function timeLimit(what: string, opts: DownloadOptions): { signal: AbortSignal; clear(): void } | undefined {
  if (opts.timeLimitMs === undefined) return undefined
  const ctl = new AbortController()
  const onOuter = () => ctl.abort(opts.signal?.reason)
  opts.signal?.addEventListener('abort', onOuter, { once: true })
  const t = setTimeout(() => {
    ctl.abort(new NetworkError(`${what}: time limit of ${opts.timeLimitMs} ms exceeded`, { temporary: false }))
  }, opts.timeLimitMs)
  return {
    signal: ctl.signal,
    clear: () => {
      clearTimeout(t)
      opts.signal?.removeEventListener('abort', onOuter)
    },
  }
}
