// PAX extended header records ("LEN KEY=VALUE\n"), parsed as bytes: SCHILY.xattr.* values are binary
// (security.capability holds NULs and bytes >= 0x80), so nothing here decodes values as UTF-8.

import { FormatError, UnsupportedError } from '../errors.js'
import type { TarEntry } from './entry.js'

/** Key (latin1 byte string) -> raw value bytes; a later record for the same key wins. */
export type PaxRecords = Map<string, Uint8Array>

const SPACE = 0x20
const EQUALS = 0x3d
const NEWLINE = 0x0a
const MAX_LEN_DIGITS = 16
const SCHILY_XATTR = 'SCHILY.xattr.'
const LIBARCHIVE_XATTR = 'LIBARCHIVE.xattr.'
const GNU_SPARSE = 'GNU.sparse.'

/** Parses the body of one 'x' header into `into`. `where` names the header in errors. */
export function parsePax(body: Uint8Array, where: string, into: PaxRecords = new Map()): PaxRecords {
  let at = 0
  while (at < body.length) {
    const fail = (why: string): never => {
      throw new FormatError(`${where}: pax record at byte ${at}: ${why}`, { code: 'TAR_FORMAT' })
    }
    let len = 0
    let i = at
    for (; i < body.length && body[i] !== SPACE; i++) {
      const c = body[i]!
      if (c < 0x30 || c > 0x39 || i - at >= MAX_LEN_DIGITS) fail('bad length')
      len = len * 10 + (c - 0x30)
    }
    const end = at + len
    if (i === at || i >= body.length || len <= i + 1 - at || end > body.length) fail(`bad length ${len}`)
    if (body[end - 1] !== NEWLINE) fail('missing newline')
    const eq = body.indexOf(EQUALS, i + 1)
    if (eq === -1 || eq >= end - 1 || eq === i + 1) fail('missing key')
    const key = latin1(body.subarray(i + 1, eq))
    if (key.includes('\0')) fail('nul in key')
    into.set(key, body.slice(eq + 1, end - 1))
    at = end
  }
  return into
}

/** Applies the records that matter for a layer to an entry; unknown keys are ignored, as in GNU tar. */
export function applyPax(entry: TarEntry, records: PaxRecords, where: string): void {
  for (const [key, value] of records) {
    // An empty value cancels the record: the header field applies (POSIX pax "keyword= ").
    if (value.length === 0 && !isXattrKey(key)) continue
    const bad = (): never => {
      throw new FormatError(`${where}: pax ${key}: invalid value ${JSON.stringify(latin1(value))}`, { code: 'TAR_FORMAT' })
    }
    switch (key) {
      case 'path':
        entry.path = noNul(value, bad)
        break
      case 'linkpath':
        entry.linkpath = noNul(value, bad)
        break
      case 'size':
        entry.size = decimal(value, bad)
        break
      case 'uid':
        entry.uid = decimal(value, bad)
        break
      case 'gid':
        entry.gid = decimal(value, bad)
        break
      case 'mtime':
        setMtime(entry, latin1(value), bad)
        break
      default:
        applyXattr(entry, key, value, bad)
    }
  }
  refuseSparse(entry, records)
}

/** GNU sparse files (pax formats 0.x and 1.0) would need hole maps; refuse them by name. */
function refuseSparse(entry: TarEntry, records: PaxRecords): void {
  const key = [...records.keys()].find(k => k.startsWith(GNU_SPARSE))
  if (key === undefined) return
  const realName = records.get(`${GNU_SPARSE}name`)
  const name = realName === undefined ? entry.path : latin1(realName)
  throw new UnsupportedError(`tar entry ${JSON.stringify(name)}: sparse files are not supported (pax ${key})`)
}

function isXattrKey(key: string): boolean {
  return key.startsWith(SCHILY_XATTR) || key.startsWith(LIBARCHIVE_XATTR)
}

function applyXattr(entry: TarEntry, key: string, value: Uint8Array, bad: () => never): void {
  let name: string
  let bytes = value
  if (key.startsWith(SCHILY_XATTR)) {
    name = key.slice(SCHILY_XATTR.length)
  } else if (key.startsWith(LIBARCHIVE_XATTR)) {
    // libarchive: name percent-encoded, value base64
    name = percentDecode(key.slice(LIBARCHIVE_XATTR.length), bad)
    bytes = new Uint8Array(Buffer.from(latin1(value), 'base64'))
  } else {
    return
  }
  if (name === '') bad()
  ;(entry.xattrs ??= new Map()).set(name, bytes)
}

function percentDecode(s: string, bad: () => never): string {
  return s.replace(/%(..)?/g, (_m, hex: string | undefined) => {
    if (hex === undefined || !/^[0-9a-fA-F]{2}$/.test(hex)) bad()
    return String.fromCharCode(parseInt(hex!, 16))
  })
}

function noNul(value: Uint8Array, bad: () => never): string {
  if (value.includes(0)) bad()
  return latin1(value)
}

function decimal(value: Uint8Array, bad: () => never): number {
  const s = latin1(value)
  if (!/^[0-9]{1,16}$/.test(s)) bad()
  const n = Number(s)
  if (!Number.isSafeInteger(n)) bad()
  return n
}

/** "SEC[.FRACTION]", possibly negative; the fraction is truncated to nanoseconds. */
function setMtime(entry: TarEntry, s: string, bad: () => never): void {
  const m = /^(-?)([0-9]{1,16})(?:\.([0-9]*))?$/.exec(s)
  if (m === null) return bad()
  const whole = Number(m[2])
  const frac = Number((m[3] ?? '').slice(0, 9).padEnd(9, '0'))
  if (!Number.isSafeInteger(whole)) bad()
  if (m[1] === '') {
    entry.mtimeSec = whole
    entry.mtimeNsec = frac
  } else {
    entry.mtimeSec = 0 - whole - (frac === 0 ? 0 : 1)
    entry.mtimeNsec = frac === 0 ? 0 : 1e9 - frac
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
}
