// Turns the common source options (--label, --platform, --normalize-label, network) into an opened
// image, and rejects the ones that do not apply to the SOURCE before anything is opened.

import { existsSync } from 'node:fs'
import { UsageError } from '../../lib/errors.js'
import type { Image } from '../../lib/oci/image.js'
import { parsePlatform } from '../../lib/oci/platform.js'
import { parseSourceRef } from '../../lib/oci/reference.js'
import { openSource, type OpenSourceOptions, type OpenedSource } from '../../lib/source/open.js'
import type { CommandContext, OptionSpec, OptionValues } from './command.js'

export interface OpenedImage {
  readonly source: OpenedSource
  readonly image: Image
}

/**
 * Opens SOURCE and selects one image; the caller closes `source`. Every option is checked before
 * the source is opened, so a usage error never waits for the network.
 */
export async function openImageFrom(ctx: CommandContext, ref: string, extra: OpenSourceOptions = {}): Promise<OpenedImage> {
  const kind = parseSourceRef(ref, existsSync).kind
  for (const [name, spec] of Object.entries(ctx.specs)) {
    if (spec.onlyFor !== undefined && spec.onlyFor !== kind && ctx.opts[name] !== undefined) {
      throw new UsageError(`--${name} applies to ${spec.onlyFor === 'http' ? 'http(s)://' : 'docker://'} sources only`)
    }
  }
  if (kind === 'docker' && typeof ctx.opts.label === 'string') {
    throw new UsageError('--label does not apply to docker:// sources: the tag or digest in the reference chooses the image')
  }
  const selection = {
    ...(typeof ctx.opts.platform === 'string' ? { platform: parsePlatform(ctx.opts.platform) } : {}),
    normalizeLabel: ctx.opts['normalize-label'] === true,
  }
  const source = await openSource(ref, { ...sourceOptions(ctx), ...extra })
  try {
    const image = await source.openImage({ ...selection, ...labelOf(ctx, source) })
    return { source, image }
  } catch (err) {
    await source.close()
    throw err
  }
}

/** For commands that read the layers twice (erofs, digest). */
export const TWO_PASS_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  refetch: {
    type: 'boolean',
    help: 'docker://: download the layers again for the second pass instead of keeping them in a temporary file',
    onlyFor: 'docker',
  },
}

/** docker:// blobs are kept after the first pass unless --refetch; `tmpDir` is where. */
export function twoPassOptions(ctx: CommandContext, tmpDir?: string): OpenSourceOptions {
  return { keepBlobs: ctx.opts.refetch !== true, ...(tmpDir === undefined ? {} : { tmpDir }) }
}

/** Network and download options from the command line. */
export function sourceOptions(ctx: CommandContext): OpenSourceOptions {
  const o = ctx.opts
  const out: OpenSourceOptions = { insecure: o.insecure === true }
  if (ctx.progress) out.onProgress = ctx.progress
  if (typeof o.creds === 'string') {
    const colon = o.creds.indexOf(':')
    if (colon <= 0) throw new UsageError('--creds must be USER:PASSWORD')
    out.credentials = { username: o.creds.slice(0, colon), password: o.creds.slice(colon + 1) }
  }
  if (typeof o.authfile === 'string') out.authFiles = [o.authfile]
  const retries = wholeNumber(o, 'retries', 0, 1000)
  if (retries !== undefined) out.retry = { retries }
  const timeout = wholeNumber(o, 'timeout', 1, 86400)
  if (timeout !== undefined) out.idleTimeoutMs = timeout * 1000
  const maxBytes = wholeNumber(o, 'max-bytes', 1, Number.MAX_SAFE_INTEGER)
  if (maxBytes !== undefined) out.maxBytes = maxBytes
  return out
}

function wholeNumber(o: OptionValues, name: string, min: number, max: number): number | undefined {
  const v = o[name]
  if (typeof v !== 'string') return undefined
  const n = Number(v)
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`)
  return n
}

/** --label, or the label in the SOURCE string; both only when they agree. */
function labelOf(ctx: CommandContext, source: OpenedSource): { label?: string } {
  const given = ctx.opts.label
  if (typeof given !== 'string') return source.label === undefined ? {} : { label: source.label }
  if (source.label !== undefined && source.label !== given) {
    throw new UsageError(`label given twice: '${source.label}' in the source and --label '${given}'`)
  }
  return { label: given }
}

/** Runs `fn` with the selected image and always closes the source (temp files go with it). */
export async function withImage<T>(
  ctx: CommandContext,
  ref: string,
  fn: (image: Image) => Promise<T>,
  extra: OpenSourceOptions = {},
): Promise<T> {
  const { source, image } = await openImageFrom(ctx, ref, extra)
  try {
    return await fn(image)
  } finally {
    await source.close()
  }
}
