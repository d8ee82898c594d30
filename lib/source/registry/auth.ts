// Registry authentication (distribution-spec and docker's token spec): the WWW-Authenticate
// challenge, Basic credentials, Bearer tokens fetched from the realm per scope and cached until
// they expire, and credentials from a containers auth.json (containers-auth.json(5)).

import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { FormatError, NetworkError, ioError } from '../../errors.js'
import { parseJson } from '../../oci/validate.js'
import { httpError, readBody, send, type TransportOptions } from './transport.js'
import { withRetry } from './retry.js'

export interface Credentials {
  username: string
  password: string
}

export interface Challenge {
  /** Lowercase: 'bearer', 'basic'. */
  scheme: string
  params: Record<string, string>
}

/** Parses `Bearer realm="x",service="y",scope="a:b:pull,push"` (quoted values may hold commas). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header)
  if (!m) return undefined
  const params: Record<string, string> = {}
  const re = /\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy
  const rest = m[2]!
  for (let p = re.exec(rest); p !== null && p[0] !== ''; p = re.exec(rest)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!
  }
  return { scheme: m[1]!.toLowerCase(), params }
}

/** Token responses carry `token` or `access_token`; tokens without expires_in last 60 s (spec). */
const DEFAULT_TOKEN_SECONDS = 60
/** Refresh a little early so a token does not expire in flight. */
const EXPIRY_MARGIN_MS = 5_000
const TOKEN_BODY_LIMIT = 1024 * 1024

interface CachedToken {
  token: string
  expiresAt: number
}

export class Authenticator {
  private challenge: Challenge | undefined
  private readonly tokens = new Map<string, CachedToken>()

  constructor(
    private readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly opts: TransportOptions,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined
  }

  /** Records the challenge of a 401 (from the /v2/ ping or any later request). */
  setChallenge(header: string | undefined): boolean {
    const c = header === undefined ? undefined : parseChallenge(header)
    if (c === undefined || (c.scheme !== 'bearer' && c.scheme !== 'basic')) return false
    this.challenge = c
    return true
  }

  /** The Authorization header for a request needing `scope`, or none when the registry is open. */
  async header(scope: string): Promise<Record<string, string>> {
    const c = this.challenge
    if (c === undefined) return {}
    if (c.scheme === 'basic') return this.credentials ? { authorization: basic(this.credentials) } : {}
    return { authorization: `Bearer ${await this.token(scope)}` }
  }

  /** Forgets the token for `scope` (a 401 with it means it is no longer good). */
  invalidate(scope: string): void {
    this.tokens.delete(scope)
  }

  private async token(scope: string): Promise<string> {
    const cached = this.tokens.get(scope)
    if (cached && cached.expiresAt > Date.now()) return cached.token
    const fresh = await this.fetchToken(scope)
    this.tokens.set(scope, fresh)
    return fresh.token
  }

  private async fetchToken(scope: string): Promise<CachedToken> {
    const params = this.challenge!.params
    const what = `${this.registry}: token for ${scope}`
    if (!params.realm) throw new NetworkError(`${this.registry}: bearer challenge without realm`, { temporary: false })
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', scope)
    const headers: Record<string, string> = this.credentials ? { authorization: basic(this.credentials) } : {}
    const started = Date.now()
    const body = await withRetry(what, this.opts.retry, async () => {
      const res = await send(url, { headers }, this.opts)
      if (res.status !== 200) throw await httpError(res, what, this.credentials ? '' : ' (no credentials given)')
      return readBody(res, TOKEN_BODY_LIMIT, what, this.opts.signal)
    }, this.opts.signal)
    const json = parseJson(body, what) as { token?: unknown; access_token?: unknown; expires_in?: unknown } | null
    const token = typeof json?.token === 'string' ? json.token : json?.access_token
    if (typeof token !== 'string' || token === '') throw new FormatError(`${what}: response has no token`, { code: 'INVALID_JSON' })
    const seconds = typeof json?.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_TOKEN_SECONDS
    return { token, expiresAt: started + seconds * 1000 - EXPIRY_MARGIN_MS }
  }
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`
}

/** containers-auth.json(5) search order, then docker's config.json. */
export function defaultAuthFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE]
  const home = env.HOME ?? homedir()
  const files: string[] = []
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'))
  files.push(join(home, '.config', 'containers', 'auth.json'), join(home, '.docker', 'config.json'))
  return files
}

/**
 * Credentials for `domain/repository` from the first auth file that exists: the most specific key
 * wins (`host/ns/repo`, `host/ns`, `host`); docker's `https://index.docker.io/v1/` means docker.io.
 * With `required` (files the user named, as skopeo's --authfile) a file that cannot be read fails.
 */
export async function credentialsFromAuthFiles(
  files: readonly string[], domain: string, repository: string, required = false,
): Promise<Credentials | undefined> {
  for (const file of files) {
    const what = `auth file ${file}`
    const text = await readFile(file).catch(err => {
      if (required) throw ioError(what, err)
      return undefined
    })
    if (text === undefined) continue
    const auths = (parseJson(text, what) as { auths?: Record<string, { auth?: unknown }> } | null)?.auths ?? {}
    const byKey = new Map(Object.entries(auths).map(([k, v]) => [normaliseAuthKey(k), v]))
    const parts = repository.split('/')
    for (let n = parts.length; n >= 0; n--) {
      const key = [domain, ...parts.slice(0, n)].join('/')
      const entry = byKey.get(key)
      if (entry && typeof entry.auth === 'string') return decodeAuth(entry.auth, `${what}: auths.${key}`)
    }
    return undefined
  }
  return undefined
}

function normaliseAuthKey(key: string): string {
  const k = key.replace(/^https?:\/\//, '').replace(/\/v[12]\/?$/, '').replace(/\/+$/, '')
  return k === 'index.docker.io' || k === 'registry-1.docker.io' ? 'docker.io' : k
}

function decodeAuth(auth: string, what: string): Credentials {
  const text = Buffer.from(auth, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon <= 0) throw new FormatError(`${what}: auth is not base64 of user:password`, { code: 'INVALID_JSON' })
  return { username: text.slice(0, colon), password: text.slice(colon + 1) }
}
