// Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a filesystem root in a temp dir,
// optionally with token auth and the `redirect` storage middleware. Images are pushed with skopeo.

import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, LOOPBACK, waitForHttp } from './net.js'

const run = promisify(execFile)

export interface TokenAuthConfig {
  realm: string
  service: string
  issuer: string
  /** PEM file of the certificate(s) token signatures chain to. */
  rootCertBundle: string
}

export interface RegistryConfig {
  auth?: TokenAuthConfig
  /** Blob GETs are answered with a redirect to this base URL + the storage path. */
  redirectBaseUrl?: string
  /** Storage root (default: a new temp dir); give one to serve it before the registry starts. */
  storageRoot?: string
}

export interface Registry {
  /** `127.0.0.1:PORT` for references. */
  host: string
  url: string
  /** The storage root (serve it with the file server to back redirects). */
  root: string
  stop(): Promise<void>
}

export async function startRegistry(config: RegistryConfig = {}): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'bootc-live-registry-'))
  const root = config.storageRoot ?? join(dir, 'storage')
  const port = await freePort()
  const lines = [
    'version: 0.1',
    'log: {level: error}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(root)}}, delete: {enabled: true}}`,
    `http: {addr: "${LOOPBACK}:${port}"}`,
  ]
  if (config.auth) {
    const a = config.auth
    lines.push(`auth: {token: {realm: ${JSON.stringify(a.realm)}, service: ${JSON.stringify(a.service)}, issuer: ${JSON.stringify(a.issuer)}, rootcertbundle: ${JSON.stringify(a.rootCertBundle)}}}`)
  }
  if (config.redirectBaseUrl) {
    lines.push(`middleware: {storage: [{name: redirect, options: {baseurl: ${JSON.stringify(config.redirectBaseUrl)}}}]}`)
  }
  const configPath = join(dir, 'config.yml')
  await writeFile(configPath, `${lines.join('\n')}\n`)
  // docker-registry reads every REGISTRY_* variable as a config override (REGISTRY_AUTH_FILE too).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')))
  const child: ChildProcess = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'], env })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const url = `http://${LOOPBACK}:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForHttp(`${url}/v2/`)
  } catch (err) {
    await stop()
    throw new Error(`docker-registry did not start: ${stderr}`, { cause: err })
  }
  return { host: `${LOOPBACK}:${port}`, url, root, stop }
}

/** `skopeo copy oci:LAYOUT:TAG docker://HOST/NAME:TAG` over plain http. */
export async function pushImage(layout: string, tag: string, dest: string, opts: { creds?: string; all?: boolean } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false']
  if (opts.creds) args.push('--dest-creds', opts.creds)
  if (opts.all) args.push('--all')
  args.push(`oci:${layout}:${tag}`, `docker://${dest}`)
  await run('skopeo', args, { env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent' } })
}
