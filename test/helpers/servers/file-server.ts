// A static file server for http:// sources and as the target of the registry's `redirect`
// middleware: GET/HEAD with single byte ranges, optional Basic auth, and a request log.

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { join, normalize } from 'node:path'
import { listen, type Running } from './net.js'

export interface FileServerOptions {
  /** "user:password" required as Basic auth. */
  basicAuth?: string
  /** Ignore Range headers (answer 200 with the whole file). */
  noRanges?: boolean
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: string; cert: string }
  /** Answer every request with a 302 to this base URL + the path. */
  redirectTo?: string
}

export interface LoggedRequest {
  method: string
  path: string
  range: string | undefined
  authorization: string | undefined
}

export interface FileServer extends Running {
  requests: LoggedRequest[]
}

export async function startFileServer(root: string, opts: FileServerOptions = {}): Promise<FileServer> {
  const requests: LoggedRequest[] = []
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requests.push({ method: req.method ?? '', path, range: req.headers.range, authorization: req.headers.authorization })
    if (opts.redirectTo) {
      res.writeHead(302, { location: `${opts.redirectTo}${path}` }).end()
      return
    }
    serve(root, path, req, res, opts).catch(() => res.destroy())
  }
  const server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler)
  return { ...(await listen(server, opts.tls ? 'https' : 'http')), requests }
}

async function serve(root: string, path: string, req: http.IncomingMessage, res: http.ServerResponse, opts: FileServerOptions) {
  if (opts.basicAuth && req.headers.authorization !== `Basic ${Buffer.from(opts.basicAuth).toString('base64')}`) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end()
    return
  }
  const file = join(root, normalize(path).replace(/^(\.\.(\/|$))+/, ''))
  const st = await stat(file).catch(() => null)
  if (!st?.isFile()) {
    res.writeHead(404).end('not found\n')
    return
  }
  const m = opts.noRanges ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  let start = 0
  let end = st.size - 1
  if (m) {
    start = Number(m[1])
    if (m[2]) end = Math.min(end, Number(m[2]))
    if (start >= st.size) {
      res.writeHead(416, { 'content-range': `bytes */${st.size}` }).end()
      return
    }
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${st.size}`, 'accept-ranges': 'bytes' })
  } else {
    res.writeHead(200, { 'content-length': st.size, 'accept-ranges': 'bytes' })
  }
  if (req.method === 'HEAD' || st.size === 0) {
    res.end()
    return
  }
  createReadStream(file, { start, end }).pipe(res)
}
