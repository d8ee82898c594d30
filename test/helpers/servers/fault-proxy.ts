// A reverse proxy on 127.0.0.1 that injects faults into chosen responses: a status instead of the
// answer (500, 429 with Retry-After), a connection reset or a clean close half way through the
// body, a corrupted byte, or a slow trickle. Each fault fires a bounded number of times and every
// firing is logged, so tests can assert the fault was really exercised.

import http from 'node:http'
import { listen, type Running } from './net.js'

export type FaultKind =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset' } // headers and half the body, then the socket is destroyed
  | { kind: 'truncate' } // headers and half the body, then the socket is ended
  | { kind: 'corrupt' } // one body byte changed
  | { kind: 'trickle'; chunkBytes: number; delayMs: number }

export type Fault = FaultKind & {
  /** Which requests: method and path matched against `${method} ${path}`. */
  match: RegExp
  /** How many matching requests get the fault (default 1). */
  times?: number
}

export interface FaultProxy extends Running {
  /** `${fault.kind} ${method} ${path}` for every fault fired. */
  fired: string[]
  /** Every request seen: `${method} ${path} range=${range}`. */
  seen: string[]
}

export async function startFaultProxy(upstream: string, faults: Fault[]): Promise<FaultProxy> {
  const left = faults.map(f => f.times ?? 1)
  const fired: string[] = []
  const seen: string[] = []
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`
    seen.push(`${key} range=${req.headers.range ?? ''}`)
    const i = faults.findIndex((f, j) => left[j]! > 0 && f.match.test(key))
    const fault = i >= 0 ? faults[i] : undefined
    if (fault) {
      left[i]!--
      fired.push(`${fault.kind} ${key}`)
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}).end('{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}')
      return
    }
    forward(upstream, req, res, fault)
  })
  return { ...(await listen(server)), fired, seen }
}

function forward(upstream: string, req: http.IncomingMessage, res: http.ServerResponse, fault: Fault | undefined) {
  const up = http.request(new URL(req.url ?? '/', upstream), { method: req.method, headers: req.headers }, upRes => {
    const chunks: Buffer[] = []
    upRes.on('data', (c: Buffer) => chunks.push(c))
    upRes.on('end', () => respond(res, upRes, Buffer.concat(chunks), fault))
    upRes.on('error', () => res.destroy())
  })
  up.on('error', () => res.destroy())
  req.pipe(up)
}

/** Bodies are small in tests, so the whole upstream body is buffered before the fault applies. */
function respond(res: http.ServerResponse, upRes: http.IncomingMessage, body: Buffer, fault: Fault | undefined) {
  res.writeHead(upRes.statusCode ?? 502, upRes.headers)
  const half = Math.floor(body.length / 2)
  switch (fault?.kind) {
    case 'reset':
      res.write(body.subarray(0, half), () => res.socket?.destroy())
      return
    case 'truncate':
      res.write(body.subarray(0, half), () => res.socket?.end())
      return
    case 'corrupt': {
      const bad = Buffer.from(body)
      if (bad.length > 0) bad[half] = bad[half]! ^ 0xff
      res.end(bad)
      return
    }
    case 'trickle':
      trickle(res, body, fault.chunkBytes, fault.delayMs)
      return
    default:
      res.end(body)
  }
}

function trickle(res: http.ServerResponse, body: Buffer, chunkBytes: number, delayMs: number) {
  let at = 0
  const step = () => {
    if (res.destroyed) return
    if (at >= body.length) {
      res.end()
      return
    }
    res.write(body.subarray(at, at + chunkBytes))
    at += chunkBytes
    setTimeout(step, delayMs)
  }
  step()
}
