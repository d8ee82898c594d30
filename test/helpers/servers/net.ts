// Shared bits of the test servers: every server listens on 127.0.0.1 only.

import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'

export const LOOPBACK = '127.0.0.1'

/** A port that was free a moment ago (for programs that take a port, not a socket). */
export async function freePort(): Promise<number> {
  const srv = net.createServer()
  srv.listen(0, LOOPBACK)
  await once(srv, 'listening')
  const { port } = srv.address() as net.AddressInfo
  srv.close()
  await once(srv, 'close')
  return port
}

export interface Running {
  url: string
  port: number
  stop(): Promise<void>
}

/** Starts `server` on a free loopback port; stop() also drops kept-alive connections. */
export async function listen(server: http.Server, scheme: 'http' | 'https' = 'http'): Promise<Running> {
  server.listen(0, LOOPBACK)
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return {
    url: `${scheme}://${LOOPBACK}:${port}`,
    port,
    stop: async () => {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
}

/** Polls `url` until it answers with any HTTP status (bounded). */
export async function waitForHttp(url: string, attempts = 100, delayMs = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const ok = await new Promise<boolean>(resolve => {
      const req = http.get(url, res => {
        res.resume()
        resolve(true)
      })
      req.on('error', () => resolve(false))
    })
    if (ok) return
    await new Promise(r => setTimeout(r, delayMs))
  }
  throw new Error(`${url} did not answer after ${attempts} attempts`)
}
