// A distribution-spec client for pulling: ping /v2/, manifests by tag or digest, blob sizes and
// blob streams. Every request carries the auth for its scope, retries a 401 once with a fresh or
// wider token, and retries transient failures within the RetryBudget; blobs resume with Range.

import { createHash } from 'node:crypto'
import { DigestMismatchError, LimitError, NetworkError, withContextAsync } from '../../errors.js'
import { parseDigest } from '../../oci/digest.js'
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType } from '../../oci/types.js'
import { JSON_LIMIT_BYTES } from '../../oci/validate.js'
import { Authenticator, credentialsFromAuthFiles, defaultAuthFiles, parseChallenge, type Credentials } from './auth.js'
import { RetryBudget, withRetry } from './retry.js'
import {
  headerValue, httpError, rangeHeader, readBody, resumableBody, send,
  type HttpResponse, type RequestInit, type TransportOptions,
} from './transport.js'
import type { DockerReference } from './reference.js'

export interface RegistryOptions extends TransportOptions {
  /** Beats any auth file. */
  credentials?: Credentials
  /**
   * auth.json files the caller names (--authfile): each read must succeed. false for none.
   * Default: defaultAuthFiles() (REGISTRY_AUTH_FILE or the usual places), where a missing file is skipped.
   */
  authFiles?: readonly string[] | false
}

export interface FetchedManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}

/** What we can read; distribution 2.8 hides OCI manifests from clients that do not list them. */
export const MANIFEST_ACCEPT = [...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES].join(', ')

export class RegistryClient {
  private constructor(
    readonly ref: DockerReference,
    private readonly base: URL,
    private readonly auth: Authenticator,
    private readonly opts: RegistryOptions,
  ) {}

  /** Pings /v2/ (https; with `insecure`, plain http when https does not answer). */
  static async connect(ref: DockerReference, opts: RegistryOptions = {}): Promise<RegistryClient> {
    const files = opts.authFiles === false ? [] : (opts.authFiles ?? defaultAuthFiles())
    const named = Array.isArray(opts.authFiles)
    const credentials = opts.credentials ?? (await credentialsFromAuthFiles(files, ref.domain, ref.repository, named))
    const auth = new Authenticator(ref.domain, credentials, opts)
    const schemes = opts.insecure ? ['https', 'http'] : ['https']
    for (const [i, scheme] of schemes.entries()) {
      const base = new URL(`${scheme}://${ref.host}/v2/`)
      try {
        await ping(base, auth, opts)
        return new RegistryClient(ref, base, auth, opts)
      } catch (err) {
        // Only a transport failure (no HTTP answer at all) makes plain http worth a try.
        const noAnswer = err instanceof NetworkError && err.status === undefined
        if (noAnswer && !opts.insecure && answeredInPlainHttp(err)) err.message += ' (a plain-http registry needs the insecure option)'
        if (i === schemes.length - 1 || !noAnswer) throw err
      }
    }
    throw new Error('unreachable')
  }

  private get scope(): string {
    return `repository:${this.ref.repository}:pull`
  }

  private url(kind: 'manifests' | 'blobs', reference: string): URL {
    return new URL(`${this.ref.repository}/${kind}/${reference}`, this.base)
  }

  /** Sends with auth; on a 401 takes the new challenge (or the scope it names) and tries once more. */
  private async authorized(url: URL, init: RequestInit): Promise<HttpResponse> {
    let scope = this.scope
    for (let attempt = 0; ; attempt++) {
      const headers = { ...init.headers, ...(await this.auth.header(scope)) }
      const res = await send(url, { ...init, headers }, this.opts)
      const challenge = headerValue(res.headers['www-authenticate'])
      if (res.status !== 401 || attempt > 0 || !this.auth.setChallenge(challenge)) return res
      res.body.resume()
      const c = parseChallenge(challenge!)
      if (c?.params.error === 'insufficient_scope' && c.params.scope) scope = c.params.scope
      this.auth.invalidate(scope)
    }
  }

  private async check(res: HttpResponse, what: string): Promise<HttpResponse> {
    if (res.status >= 200 && res.status < 300) return res
    const hint = res.status === 401 && !this.auth.hasCredentials ? ' (no credentials given)' : ''
    throw await httpError(res, what, hint)
  }

  /** The manifest or index for a tag or digest; bytes verified against a digest reference. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const what = `docker://${this.ref.domain}/${this.ref.repository}: manifest ${reference}`
    const res = await withRetry(what, this.opts.retry, async () => {
      const r = await this.check(await this.authorized(this.url('manifests', reference), { headers: { accept: MANIFEST_ACCEPT } }), what)
      return { res: r, bytes: await readBody(r, JSON_LIMIT_BYTES, what, this.opts.signal) }
    }, this.opts.signal).catch(err => {
      throw err instanceof LimitError ? new LimitError(`${what}: manifest larger than ${JSON_LIMIT_BYTES} bytes`) : err
    })
    const { bytes } = res
    const pinned = reference.includes(':') ? reference : headerValue(res.res.headers['docker-content-digest'])
    const algorithm = pinned ? parseDigest(pinned, what).algorithm : 'sha256'
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`
    if (pinned !== undefined && digest !== pinned) throw new DigestMismatchError(what, digest, pinned)
    return { bytes, digest, mediaType: manifestMediaType(bytes, headerValue(res.res.headers['content-type'])) }
  }

  /** A blob's size from a HEAD (for blobs no fetched manifest describes). */
  async blobSize(digest: string): Promise<number> {
    const what = `docker://${this.ref.domain}/${this.ref.repository}: blob ${digest}`
    return withRetry(what, this.opts.retry, async () => {
      const res = await this.check(await this.authorized(this.url('blobs', digest), { method: 'HEAD' }), what)
      res.body.resume()
      const len = headerValue(res.headers['content-length'])
      if (len === undefined || !/^\d+$/.test(len)) throw new NetworkError(`${what}: no content-length`, { temporary: false })
      return Number(len)
    }, this.opts.signal)
  }

  /** The blob's bytes, resumed after broken connections; the caller verifies the digest. */
  openBlob(digest: string, size: number, onBytes?: (bytes: number, total: number | undefined) => void): AsyncGenerator<Buffer> {
    const what = `docker://${this.ref.domain}/${this.ref.repository}: blob ${digest}`
    const url = this.url('blobs', digest)
    return resumableBody(async offset => this.check(await this.authorized(url, { headers: rangeHeader(offset) }), what), what, {
      size,
      budget: new RetryBudget(this.opts.retry, this.opts.signal),
      signal: this.opts.signal,
      onBytes,
    })
  }
}

async function ping(base: URL, auth: Authenticator, opts: TransportOptions): Promise<void> {
  const what = base.href
  await withContextAsync(`ping ${base.origin}`, () => withRetry(what, opts.retry, async () => {
    const res = await send(base, {}, opts)
    const open = res.status === 200
    if (!open && !(res.status === 401 && auth.setChallenge(headerValue(res.headers['www-authenticate'])))) {
      throw await httpError(res, what)
    }
    res.body.resume()
  }, opts.signal))
}

/**
 * A TLS handshake answered by a plain-http server: OpenSSL reads "HTTP/1.1 ..." as a record header
 * ("wrong version number"; "packet length too long" from some versions). DNS, refused connections
 * and certificate failures are not helped by plain http.
 */
function answeredInPlainHttp(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EPROTO' || code?.startsWith('ERR_SSL_')) return /wrong version number|packet length too long/i.test(e.message)
  }
  return false
}

/** The body's own mediaType wins; then Content-Type; then the shape (an index has `manifests`). */
function manifestMediaType(bytes: Buffer, contentType: string | undefined): string {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown }
    if (typeof json.mediaType === 'string') return json.mediaType
    const type = contentType?.split(';')[0]?.trim()
    if (type && type !== 'application/json') return type
    return Array.isArray(json.manifests) ? MediaType.OCI_INDEX : MediaType.OCI_MANIFEST
  } catch {
    return contentType?.split(';')[0]?.trim() ?? MediaType.OCI_MANIFEST
  }
}
