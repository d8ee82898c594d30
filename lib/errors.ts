// Every failure the library reports is a BootcLiveError with a stable `code`, so callers (and the CLI)
// can act on the kind of failure without parsing messages. Messages are one lowercase line that names
// the object and, for mismatches, gives both values ("got X, want Y").

export type ErrorCode =
  | 'USAGE'
  | 'FORMAT'
  | 'TAR_FORMAT'
  | 'UNSUPPORTED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'MISSING_BLOB'
  | 'INVALID_JSON'
  | 'NOT_FOUND'
  | 'UNSAFE_PATH'
  | 'DECOMPRESS'
  | 'LIMIT'
  | 'REGISTRY'
  | 'NETWORK'
  | 'IO'

export class BootcLiveError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** Bad command line or API arguments (the CLI exits 2). */
export class UsageError extends BootcLiveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options)
  }
}

/** A structure on disk or on the wire is malformed; says what and, where known, at which offset. */
export class FormatError extends BootcLiveError {
  constructor(message: string, options?: { cause?: unknown; code?: 'FORMAT' | 'TAR_FORMAT' | 'INVALID_JSON' }) {
    super(options?.code ?? 'FORMAT', message, options)
  }
}

/** Something valid but outside what we implement (sparse tar entries, encrypted layers, schema1). */
export class UnsupportedError extends BootcLiveError {
  constructor(message: string, options?: { cause?: unknown; code?: 'UNSUPPORTED' | 'UNSUPPORTED_MEDIA_TYPE' }) {
    super(options?.code ?? 'UNSUPPORTED', message, options)
  }
}

export class DigestMismatchError extends BootcLiveError {
  constructor(what: string, got: string, want: string) {
    super('DIGEST_MISMATCH', `${what}: digest mismatch: got ${got}, want ${want}`)
  }
}

export class SizeMismatchError extends BootcLiveError {
  constructor(what: string, got: number | bigint, want: number | bigint) {
    super('SIZE_MISMATCH', `${what}: size mismatch: got ${got}, want ${want}`)
  }
}

/** A label, blob, path or platform that was asked for and is not there. */
export class NotFoundError extends BootcLiveError {
  constructor(message: string, options?: { cause?: unknown; code?: 'NOT_FOUND' | 'MISSING_BLOB' }) {
    super(options?.code ?? 'NOT_FOUND', message, options)
  }
}

/** A layer entry that would change the root itself or escape it in a way we refuse to contain. */
export class UnsafePathError extends BootcLiveError {
  constructor(message: string) {
    super('UNSAFE_PATH', message)
  }
}

export class DecompressError extends BootcLiveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECOMPRESS', message, options)
  }
}

/** Untrusted input asked for more than we allow (metadata size, path depth, download size). */
export class LimitError extends BootcLiveError {
  constructor(message: string) {
    super('LIMIT', message)
  }
}

/** An HTTP or registry failure; `temporary` drives retries (gcr transport.Error.Temporary). */
export class NetworkError extends BootcLiveError {
  readonly status: number | undefined
  readonly temporary: boolean
  constructor(message: string, options: { status?: number; temporary: boolean; cause?: unknown; code?: 'NETWORK' | 'REGISTRY' }) {
    super(options.code ?? 'NETWORK', message, options)
    this.status = options.status
    this.temporary = options.temporary
  }
}

/** Prefixes context to a library error, keeping its class and code ("reading layer 2/3: ..."). */
export function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw addContext(context, err)
  }
}

export async function withContextAsync<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw addContext(context, err)
  }
}

/** Adds the prefix once: errors raised deeper may already carry the same context. */
export function addContext(context: string, err: unknown): unknown {
  if (err instanceof BootcLiveError) {
    if (!err.message.startsWith(`${context}: `)) err.message = `${context}: ${err.message}`
    return err
  }
  return err
}

/**
 * Node system errors (ENOENT, ENOSPC...) become one readable line; anything else passes through.
 * `withPath: false` leaves out the path the call carried, for callers that name the object instead.
 */
export function describeSystemError(err: unknown, withPath = true): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException
    if (e.code && e.syscall) {
      const where = e.path && withPath ? ` ${e.path}` : ''
      return `${e.syscall}${where}: ${e.code}${e.message.includes(e.code) ? '' : `: ${e.message}`}`
    }
    return err.message
  }
  return String(err)
}

/**
 * A failed system call as an IO error about `what` ("unpacking \"usr/bin/x\": write: ENOSPC"): for
 * calls on descriptors, which carry no path, and on internal files the user never named.
 */
export function ioError(what: string, err: unknown): unknown {
  if (err instanceof BootcLiveError) return addContext(what, err)
  return new BootcLiveError('IO', `${what}: ${describeSystemError(err, false)}`, { cause: err })
}
