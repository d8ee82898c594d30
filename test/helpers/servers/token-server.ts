// A docker token server (distribution's token auth) for the test registry: issues ES256 JWTs with
// an x5c header from a self-signed certificate made with the openssl CLI. Users authenticate with
// Basic auth; anonymous requests get no access. Every request is logged with its scope.

import { execFile } from 'node:child_process'
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { listen, type Running } from './net.js'

const run = promisify(execFile)

export interface TokenServerOptions {
  /** user -> password. */
  users: Record<string, string>
  /** Answer with `access_token` instead of `token`. */
  accessTokenField?: boolean
  expiresIn?: number
}

export interface TokenRequest {
  user: string | undefined
  scope: string | undefined
  service: string | undefined
}

export interface TokenServer extends Running {
  realm: string
  service: string
  issuer: string
  certPath: string
  requests: TokenRequest[]
}

export const TOKEN_SERVICE = 'bootc-live-test-registry'
export const TOKEN_ISSUER = 'bootc-live-test-issuer'

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'bootc-live-token-'))
  const keyPath = join(dir, 'key.pem')
  const certPath = join(dir, 'cert.pem')
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=bootc-live-test-token'])
  const key = createPrivateKey(await readFile(keyPath))
  const certDer = (await readFile(certPath, 'utf8')).replace(/-----[^-]+-----|\s/g, '')
  const requests: TokenRequest[] = []
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const user = authenticatedUser(req.headers.authorization, opts.users)
    const scope = u.searchParams.getAll('scope').join(' ') || undefined
    requests.push({ user: user ?? undefined, scope, service: u.searchParams.get('service') ?? undefined })
    if (user === null) {
      res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
      return
    }
    const token = jwt(key, certDer, user, scope, opts.expiresIn ?? 300)
    const field = opts.accessTokenField ? 'access_token' : 'token'
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ [field]: token, expires_in: opts.expiresIn ?? 300 }))
  })
  const running = await listen(server)
  return {
    ...running,
    realm: `${running.url}/token`,
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    certPath,
    requests,
    stop: async () => {
      await running.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** The user name, undefined for anonymous, null for wrong credentials. */
function authenticatedUser(header: string | undefined, users: Record<string, string>): string | undefined | null {
  if (header === undefined) return undefined
  const m = /^Basic (.+)$/.exec(header)
  if (!m) return null
  const text = Buffer.from(m[1]!, 'base64').toString()
  const colon = text.indexOf(':')
  const user = text.slice(0, colon)
  return colon > 0 && users[user] === text.slice(colon + 1) ? user : null
}

function jwt(key: KeyObject, certDer: string, user: string | undefined, scope: string | undefined, expiresIn: number): string {
  const now = Math.floor(Date.now() / 1000)
  const access = user === undefined || scope === undefined ? [] : scope.split(' ').map(s => {
    const [type, name, actions] = s.split(':')
    return { type, name, actions: (actions ?? '').split(',') }
  })
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] }
  const claims = {
    iss: TOKEN_ISSUER, sub: user ?? '', aud: TOKEN_SERVICE, exp: now + expiresIn, nbf: now - 10, iat: now,
    jti: randomBytes(8).toString('hex'), access,
  }
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' })
  return `${signingInput}.${signature.toString('base64url')}`
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url')
}
