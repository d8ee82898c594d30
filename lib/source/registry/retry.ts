// Bounded retries with exponential backoff for HTTP transfers: a budget caps both the number of
// attempts and the total time, so a flaky server ends in a clear error instead of a hang.

import { BootcLiveError, NetworkError } from '../../errors.js'

export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  retries?: number
  /** First wait; doubled on each retry up to maxDelayMs. Default 500 ms. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** No retry starts once this much time has passed since the first attempt. Default 120 s. */
  totalTimeMs?: number
}

const DEFAULTS: Required<RetryOptions> = { retries: 5, baseDelayMs: 500, maxDelayMs: 10_000, totalTimeMs: 120_000 }

/** Node socket errors after which a new attempt can succeed. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH',
  'EHOSTUNREACH', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET',
])

export function isTemporary(err: unknown): boolean {
  if (err instanceof NetworkError) return err.temporary
  const code = (err as NodeJS.ErrnoException | null)?.code
  return typeof code === 'string' && TRANSIENT_CODES.has(code)
}

/** HTTP statuses worth retrying: timeouts, rate limits and server-side failures. */
export function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

export class RetryBudget {
  private readonly opts: Required<RetryOptions>
  private readonly started = Date.now()
  private used = 0

  constructor(opts: RetryOptions = {}, private readonly signal?: AbortSignal) {
    this.opts = { ...DEFAULTS, ...opts }
  }

  /**
   * Waits before the next attempt after `err`, or rethrows it when it is permanent or the budget
   * is spent. `retryAfterMs` (a 429's Retry-After) replaces the computed delay, capped.
   */
  async next(err: unknown, what: string, retryAfterMs?: number): Promise<void> {
    if (!isTemporary(err)) throw err
    const { retries, baseDelayMs, maxDelayMs, totalTimeMs } = this.opts
    const delay = Math.min(retryAfterMs ?? baseDelayMs * 2 ** this.used, maxDelayMs)
    const elapsed = Date.now() - this.started
    if (this.used >= retries || elapsed + delay > totalTimeMs) {
      const why = this.used >= retries ? `${retries} retries` : `${totalTimeMs} ms`
      throw new NetworkError(`${what}: giving up after ${why}: ${describe(err)}`, {
        temporary: false,
        status: err instanceof NetworkError ? err.status : undefined,
        cause: err,
      })
    }
    this.used++
    await sleep(delay, this.signal)
  }

  get retriesUsed(): number {
    return this.used
  }
}

/** Runs `attempt` until it succeeds, a permanent error occurs or the budget is spent. */
export async function withRetry<T>(what: string, opts: RetryOptions | undefined, attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const budget = new RetryBudget(opts, signal)
  for (;;) {
    try {
      return await attempt()
    } catch (err) {
      await budget.next(err, what, retryAfterOf(err))
    }
  }
}

/** A NetworkError may carry the server's Retry-After (see transport.ts). */
export function retryAfterOf(err: unknown): number | undefined {
  return (err as { retryAfterMs?: number } | null)?.retryAfterMs
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** One line for a cause (OpenSSL's messages end in a newline); a Node error's code is added. */
export function describe(err: unknown): string {
  let text = String(err)
  if (err instanceof BootcLiveError) text = err.message
  else if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    text = code && !err.message.includes(code) ? `${err.message} (${code})` : err.message
  }
  return text.replace(/\s+/g, ' ').trim()
}
