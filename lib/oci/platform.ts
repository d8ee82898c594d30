// Platforms ("linux/arm64/v8") as image-spec image-index.md and containerd's platforms package name
// them, the running machine's platform, and the matching rule used to pick an index entry.

import { NotFoundError, UsageError } from '../errors.js'
import type { Platform } from './types.js'

/** Parses "os/arch[/variant]" (all lowercase, no empty parts). */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some(p => !/^[a-z0-9._-]+$/.test(p))) {
    throw new UsageError(`invalid platform ${JSON.stringify(s)}: want os/arch[/variant], e.g. linux/amd64`)
  }
  const [os, architecture, variant] = parts as [string, string, string?]
  return variant === undefined ? { os, architecture } : { os, architecture, variant }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(x => x !== undefined && x !== '').join('/')
}

/** Node's process.arch -> GOARCH (+ variant) as image indexes spell it. */
const NODE_ARCH: Record<string, { architecture: string; variant?: string }> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  arm: { architecture: 'arm', variant: 'v7' },
  ia32: { architecture: '386' },
  ppc64: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  loong64: { architecture: 'loong64' },
}

export function currentPlatform(arch: string = process.arch, os: string = process.platform): Platform {
  const a = NODE_ARCH[arch] ?? { architecture: arch }
  const p: Platform = { os, architecture: a.architecture }
  if (a.variant !== undefined) p.variant = a.variant
  return p
}

/**
 * Whether an index entry's platform satisfies what was asked for: os and architecture must be
 * equal; a variant must match only when the request names one ("linux/arm64" takes any arm64).
 * arm64's "v8" is its default, so an entry without variant matches a request for v8 and back.
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false
  if (want.variant === undefined || want.variant === '') return true
  return normaliseVariant(want) === normaliseVariant(have)
}

function normaliseVariant(p: Platform): string {
  const v = p.variant ?? ''
  if (p.architecture === 'arm64' && v === '') return 'v8'
  return v
}

/**
 * A platform the caller asked for, checked against the config of an image without an index, so
 * that another architecture does not pass silently. The variant counts only when both name one
 * (configs often leave it out).
 */
export function checkImagePlatform(want: Platform, have: Platform, what: string): void {
  const wanted = have.variant ? want : { os: want.os, architecture: want.architecture }
  if (!platformMatches(wanted, have)) throw new NotFoundError(`${what} is ${formatPlatform(have)}, not the requested ${formatPlatform(want)}`)
}
