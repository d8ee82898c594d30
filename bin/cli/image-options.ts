// Turns the common source options (--label, --platform, --normalize-label) into an opened image.

import { UsageError } from '../../lib/errors.js'
import type { Image } from '../../lib/oci/image.js'
import { parsePlatform } from '../../lib/oci/platform.js'
import { openSource, type OpenedSource } from '../../lib/source/open.js'
import type { CommandContext } from './command.js'

export interface OpenedImage {
  readonly source: OpenedSource
  readonly image: Image
}

/** Opens SOURCE and selects one image; the caller closes `source`. */
export async function openImageFrom(ctx: CommandContext, ref: string): Promise<OpenedImage> {
  const source = await openSource(ref)
  try {
    const image = await source.openImage(imageOptions(ctx, source))
    return { source, image }
  } catch (err) {
    await source.close()
    throw err
  }
}

export function imageOptions(ctx: CommandContext, source: OpenedSource) {
  const label = typeof ctx.opts.label === 'string' ? ctx.opts.label : source.label
  if (typeof ctx.opts.label === 'string' && source.label !== undefined && source.label !== ctx.opts.label) {
    throw new UsageError(`label given twice: '${source.label}' in the source and --label '${ctx.opts.label}'`)
  }
  return {
    ...(label !== undefined ? { label } : {}),
    ...(typeof ctx.opts.platform === 'string' ? { platform: parsePlatform(ctx.opts.platform) } : {}),
    normalizeLabel: ctx.opts['normalize-label'] === true,
  }
}

/** Runs `fn` with the selected image and always closes the source (temp files go with it). */
export async function withImage<T>(ctx: CommandContext, ref: string, fn: (image: Image) => Promise<T>): Promise<T> {
  const { source, image } = await openImageFrom(ctx, ref)
  try {
    return await fn(image)
  } finally {
    await source.close()
  }
}
