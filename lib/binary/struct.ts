// Binary structures are declared once as field tables ({name, offset, size, kind}) and encoded or
// decoded by one generic pair of functions, so no literal offset appears anywhere else.
// A table is checked when it is defined: fields contiguous, adding up to the declared size
// (the erofs_fs.h BUILD_BUG_ON idea).

export type FieldKind =
  | 'u8'
  | 'u16le'
  | 'u32le'
  | 'u64le' // decoded as number; values above 2^53 are rejected
  | 'bytes' // raw Uint8Array of `size` bytes
  | 'octal' // tar: ASCII octal, NUL/space terminated; base-256 when the high bit is set
  | 'hex' // cpio newc: ASCII hex digits, exactly `size` of them
  | 'string' // NUL-terminated (or full-width) byte string, decoded as latin1

export interface FieldSpec {
  readonly name: string
  readonly offset: number
  readonly size: number
  readonly kind: FieldKind
}

export interface Struct<N extends string> {
  readonly name: string
  readonly size: number
  readonly fields: readonly (FieldSpec & { readonly name: N })[]
  readonly byName: Readonly<Record<N, FieldSpec>>
}

const FIXED_WIDTH: Partial<Record<FieldKind, number>> = { u8: 1, u16le: 2, u32le: 4, u64le: 8 }

/** Declares a struct; throws at module load if the table has gaps, overlaps or the wrong total. */
export function defineStruct<N extends string>(
  name: string,
  size: number,
  fields: ReadonlyArray<readonly [N, number, FieldKind]>,
): Struct<N> {
  let offset = 0
  const specs: Array<FieldSpec & { name: N }> = []
  for (const [fieldName, fieldSize, kind] of fields) {
    const fixed = FIXED_WIDTH[kind]
    if (fixed !== undefined && fixed !== fieldSize) {
      throw new Error(`struct ${name}: field ${fieldName} is ${kind} but ${fieldSize} bytes`)
    }
    specs.push(Object.freeze({ name: fieldName, offset, size: fieldSize, kind }))
    offset += fieldSize
  }
  if (offset !== size) throw new Error(`struct ${name}: fields add up to ${offset} bytes, declared ${size}`)
  const byName = Object.fromEntries(specs.map(s => [s.name, s])) as unknown as Record<N, FieldSpec>
  return Object.freeze({ name, size, fields: Object.freeze(specs), byName: Object.freeze(byName) })
}

export type Values<N extends string> = Record<N, number | Uint8Array | string>

/** Reads one field. Numbers for numeric kinds, Uint8Array for 'bytes', string for 'string'. */
export function readField(buf: Uint8Array, base: number, f: FieldSpec): number | Uint8Array | string {
  const at = base + f.offset
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  switch (f.kind) {
    case 'u8':
      return view.getUint8(at)
    case 'u16le':
      return view.getUint16(at, true)
    case 'u32le':
      return view.getUint32(at, true)
    case 'u64le': {
      const v = view.getBigUint64(at, true)
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${f.name}: ${v} is too large`)
      return Number(v)
    }
    case 'bytes':
      return buf.subarray(at, at + f.size)
    case 'string': {
      const raw = buf.subarray(at, at + f.size)
      const nul = raw.indexOf(0)
      return Buffer.from(raw.buffer, raw.byteOffset, nul === -1 ? raw.length : nul).toString('latin1')
    }
    case 'octal':
      return decodeOctal(buf.subarray(at, at + f.size), f.name)
    case 'hex':
      return decodeHex(buf.subarray(at, at + f.size), f.name)
  }
}

/** Decodes every field of a struct at `base`. */
export function decode<N extends string>(s: Struct<N>, buf: Uint8Array, base = 0): Values<N> {
  if (base + s.size > buf.length) throw new RangeError(`${s.name}: needs ${s.size} bytes at ${base}, have ${buf.length - base}`)
  const out = {} as Values<N>
  for (const f of s.fields) out[f.name] = readField(buf, base, f)
  return out
}

/** Encodes the given fields into `buf` at `base`; fields not given are left as they are (zero). */
export function encode<N extends string>(s: Struct<N>, buf: Uint8Array, base: number, values: Partial<Values<N>>): void {
  if (base + s.size > buf.length) throw new RangeError(`${s.name}: needs ${s.size} bytes at ${base}`)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  for (const f of s.fields) {
    const v = values[f.name]
    if (v === undefined) continue
    const at = base + f.offset
    switch (f.kind) {
      case 'u8':
        view.setUint8(at, checkRange(f, v, 0xff))
        break
      case 'u16le':
        view.setUint16(at, checkRange(f, v, 0xffff), true)
        break
      case 'u32le':
        view.setUint32(at, checkRange(f, v, 0xffffffff), true)
        break
      case 'u64le':
        view.setBigUint64(at, BigInt(checkRange(f, v, Number.MAX_SAFE_INTEGER)), true)
        break
      case 'bytes':
      case 'string': {
        const bytes = typeof v === 'string' ? Buffer.from(v, 'latin1') : (v as Uint8Array)
        if (bytes.length > f.size) throw new RangeError(`${f.name}: ${bytes.length} bytes do not fit in ${f.size}`)
        buf.set(bytes, at)
        break
      }
      case 'octal':
        encodeOctal(buf, at, f, checkRange(f, v, Number.MAX_SAFE_INTEGER))
        break
      case 'hex':
        encodeHex(buf, at, f, checkRange(f, v, 16 ** f.size - 1))
        break
    }
  }
}

function checkRange(f: FieldSpec, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${f.name}: ${String(v)} is not an integer in 0..${max}`)
  }
  return v
}

/** tar numeric field: octal digits (leading spaces/NULs allowed, NUL/space terminated) or base-256. */
export function decodeOctal(raw: Uint8Array, what: string): number {
  if (raw.length > 0 && (raw[0]! & 0x80) !== 0) {
    if (raw[0] === 0xff) throw new RangeError(`${what}: negative base-256 number`)
    let v = raw[0]! & 0x7f
    for (let i = 1; i < raw.length; i++) {
      v = v * 256 + raw[i]!
      if (v > Number.MAX_SAFE_INTEGER) throw new RangeError(`${what}: base-256 number too large`)
    }
    return v
  }
  let i = 0
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0)) i++
  let v = 0
  let digits = 0
  for (; i < raw.length; i++) {
    const c = raw[i]!
    if (c === 0 || c === 0x20) break
    if (c < 0x30 || c > 0x37) throw new RangeError(`${what}: invalid octal digit 0x${c.toString(16)}`)
    v = v * 8 + (c - 0x30)
    digits++
  }
  for (; i < raw.length; i++) {
    if (raw[i] !== 0 && raw[i] !== 0x20) throw new RangeError(`${what}: garbage after octal number`)
  }
  return digits === 0 ? 0 : v
}

function encodeOctal(buf: Uint8Array, at: number, f: FieldSpec, v: number): void {
  const digits = v.toString(8)
  if (digits.length <= f.size - 1) {
    buf.set(Buffer.from(digits.padStart(f.size - 1, '0') + '\0', 'latin1'), at)
    return
  }
  // base-256: high bit set in the first byte, big-endian value in the rest
  let rest = v
  for (let i = f.size - 1; i >= 1; i--) {
    buf[at + i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  if (rest > 0x7f) throw new RangeError(`${f.name}: ${v} does not fit`)
  buf[at] = 0x80 | rest
}

function decodeHex(raw: Uint8Array, what: string): number {
  let v = 0
  for (const c of raw) {
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1
    if (d < 0) throw new RangeError(`${what}: invalid hex digit 0x${c.toString(16)}`)
    v = v * 16 + d
  }
  return v
}

function encodeHex(buf: Uint8Array, at: number, f: FieldSpec, v: number): void {
  buf.set(Buffer.from(v.toString(16).toUpperCase().padStart(f.size, '0'), 'latin1'), at)
}
