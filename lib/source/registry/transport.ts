// HTTP(S) requests on node:http/https for the http:// source and the registry client: redirects
// (never forwarding Authorization to another origin, never https -> http), idle timeouts, one
// error class (NetworkError with status and `temporary`), and bodies that resume with Range.

import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import { LimitError, NetworkError, SizeMismatchError } from '../../errors.js'
import { describe, isTemporary, isTemporaryStatus, parseRetryAfter, retryAfterOf, type RetryBudget, type RetryOptions } from './retry.js'

export interface TransportOptions {
  /** Skip TLS certificate verification (and, for registries, allow plain http). */
  insecure?: boolean
  /** A request fails (temporarily) when no bytes arrive for this long. Default 30 s. */
  idleTimeoutMs?: number
  maxRedirects?: number
  retry?: RetryOptions
  /** Aborts everything; its reason is what gets thrown. */
  signal?: AbortSignal
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The URL that answered, after redirects. */
  url: URL
  body: IncomingMessage
}

export interface RequestInit {
  method?: 'GET' | 'HEAD'
  headers?: Record<string, string>
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const DEFAULT_IDLE_MS = 30_000
const DEFAULT_MAX_REDIRECTS = 10
/** How much of an error body we read to explain a failure. */
const ERROR_BODY_LIMIT = 64 * 1024

/** Sends one request, following redirects; any status is returned, only transport failures throw. */
export async function send(url: URL, init: RequestInit, opts: TransportOptions): Promise<HttpResponse> {
  const headers = { ...init.headers }
  let current = url
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(current, init.method ?? 'GET', headers, opts)
    const location = res.headers.location
    if (!REDIRECTS.has(res.status) || location === undefined) return res
    res.body.resume()
    if (hop >= (opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
      throw new NetworkError(`${url}: more than ${opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS} redirects`, { temporary: false })
    }
    const next = new URL(location, current)
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw new NetworkError(`${url}: refusing redirect from https to ${next.protocol.slice(0, -1)} (${next.origin})`, { temporary: false })
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new NetworkError(`${url}: refusing redirect to ${next.protocol} url`, { temporary: false })
    }
    // Credentials belong to the origin they were issued for (a blob redirect goes to storage).
    if (next.origin !== current.origin) delete headers.authorization
    current = next
  }
}

function sendOnce(url: URL, method: string, headers: Record<string, string>, opts: TransportOptions): Promise<HttpResponse> {
  const what = `${method} ${url.origin}${url.pathname}`
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_MS
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http
    const options: https.RequestOptions = { method, headers, signal: opts.signal }
    if (url.protocol === 'https:') options.rejectUnauthorized = !opts.insecure
    let response: IncomingMessage | undefined
    const req = lib.request(url, options, body => {
      response = body
      resolve({ status: body.statusCode ?? 0, headers: body.headers, url, body })
    })
    req.setTimeout(idleMs, () => {
      const err = new NetworkError(`${what}: no data for ${idleMs} ms`, { temporary: true })
      // Mid-body the reader sees only the body, which a destroyed request fails with "aborted".
      response?.destroy(err)
      req.destroy(err)
    })
    req.on('error', err => reject(wrapError(err, what, opts.signal)))
    req.end()
  })
}

/** Transport failures become NetworkErrors; an abort surfaces as the signal's reason. */
function wrapError(err: unknown, what: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason
  if (err instanceof NetworkError) return err
  return new NetworkError(`${what}: ${describe(err)}`, { temporary: isTemporary(err), cause: err })
}

/** The body as chunks; a connection that breaks mid-body is a temporary NetworkError. */
export async function* bodyChunks(res: HttpResponse, what: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of res.body) yield chunk as Buffer
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    if (err instanceof NetworkError) throw err
    throw new NetworkError(`${what}: connection broken: ${describe(err)}`, { temporary: true, cause: err })
  }
}

/** Reads a whole (small) body; more than `limit` bytes is a LimitError. */
export async function readBody(res: HttpResponse, limit: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = []
  let got = 0
  for await (const chunk of bodyChunks(res, what, signal)) {
    got += chunk.length
    if (got > limit) {
      res.body.destroy()
      throw new LimitError(`${what}: response larger than ${limit} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, got)
}

/**
 * The error for a non-2xx response, with the registry's error codes when the body has them
 * (distribution-spec: {"errors": [{"code", "message"}]}), `temporary` for 408/429/5xx and the
 * server's Retry-After.
 */
export async function httpError(res: HttpResponse, what: string, hint = ''): Promise<NetworkError> {
  let detail = ''
  try {
    const text = (await readBody(res, ERROR_BODY_LIMIT, what)).toString('utf8')
    detail = registryErrors(text)
  } catch {
    res.body.destroy()
  }
  const status = `${res.status} ${(http.STATUS_CODES[res.status] ?? 'error').toLowerCase()}`
  const err = new NetworkError(`${what}: ${status}${detail ? `: ${detail}` : ''}${hint}`, {
    status: res.status,
    temporary: isTemporaryStatus(res.status),
    code: detail ? 'REGISTRY' : 'NETWORK',
  })
  const retryAfterMs = parseRetryAfter(headerValue(res.headers['retry-after']))
  if (retryAfterMs !== undefined) Object.assign(err, { retryAfterMs })
  return err
}

function registryErrors(text: string): string {
  try {
    const errors = (JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> }).errors
    if (!Array.isArray(errors)) return ''
    return errors.map(e => [e.code, e.message].filter(x => typeof x === 'string').join(' ')).join('; ').slice(0, 300)
  } catch {
    return ''
  }
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

export interface ResumableOptions {
  /** The size the caller expects (a descriptor's); a server announcing another size fails early. */
  size?: number
  budget: RetryBudget
  signal?: AbortSignal
  /** Called after every chunk with the bytes so far and the total when known. */
  onBytes?: (bytes: number, total: number | undefined) => void
}

/**
 * A body that survives broken connections: after a temporary failure it waits (the budget decides
 * how often and how long) and asks `open(offset)` for the rest with a Range request. `open` must
 * return a 2xx response or throw (an httpError for the status).
 */
export async function* resumableBody(open: (offset: number) => Promise<HttpResponse>, what: string, opts: ResumableOptions): AsyncGenerator<Buffer> {
  let got = 0
  let total = opts.size
  for (;;) {
    let res: HttpResponse | undefined
    try {
      res = await open(got)
      const { skip, length } = rangeOf(res, got, what)
      if (length !== undefined) {
        if (opts.size !== undefined && length !== opts.size) throw new SizeMismatchError(`${what}: server`, length, opts.size)
        total = length
      }
      let toSkip = skip
      for await (let chunk of bodyChunks(res, what, opts.signal)) {
        if (toSkip > 0) {
          const n = Math.min(toSkip, chunk.length)
          toSkip -= n
          chunk = chunk.subarray(n)
          if (chunk.length === 0) continue
        }
        got += chunk.length
        opts.onBytes?.(got, total)
        yield chunk
      }
      if (total !== undefined && got < total) {
        throw new NetworkError(`${what}: connection closed after ${got} of ${total} bytes`, { temporary: true })
      }
      return
    } catch (err) {
      await opts.budget.next(err, what, retryAfterOf(err))
    } finally {
      res?.body.destroy()
    }
  }
}

/** Range header for a resumed request, none for the first one. */
export function rangeHeader(offset: number): Record<string, string> {
  return offset > 0 ? { range: `bytes=${offset}-` } : {}
}

/**
 * How to use a response to a request for bytes from `offset`: a 206 must start exactly there;
 * a 200 (server ignored Range) restarts at 0, so the first `offset` bytes are skipped.
 * `length` is the whole body's size when the server says.
 */
function rangeOf(res: HttpResponse, offset: number, what: string): { skip: number; length: number | undefined } {
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(res.headers['content-range']) ?? '')
    if (!m || Number(m[1]) !== offset) {
      throw new NetworkError(`${what}: bad content-range ${JSON.stringify(res.headers['content-range'])} for offset ${offset}`, { temporary: false })
    }
    return { skip: 0, length: m[3] === '*' ? undefined : Number(m[3]) }
  }
  const len = headerValue(res.headers['content-length'])
  return { skip: offset, length: len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined }
}
