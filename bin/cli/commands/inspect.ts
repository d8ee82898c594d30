import type { Image, ImageEntry } from '../../../lib/oci/image.js'
import { formatPlatform } from '../../../lib/oci/platform.js'
import { SOURCE_OPTIONS, type Command } from '../command.js'
import { openImageFrom } from '../image-options.js'
import { formatBytes } from '../progress.js'

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'SOURCE',
  summary: 'list the images (labels) of a source and describe the selected one',
  details: 'Without a label: the only image, else the one labelled latest, else an error listing the labels.',
  options: { ...SOURCE_OPTIONS, json: { type: 'boolean', help: 'print JSON instead of text' } },
  positionals: [1, 1],
  async run(ctx) {
    const [ref] = ctx.args as [string]
    const { source, image } = await openImageFrom(ctx, ref)
    try {
      const images = await source.listImages()
      ctx.stdout.write(ctx.opts.json === true ? `${JSON.stringify(toJson(ref, images, image), null, 2)}\n` : toText(ref, images, image))
    } finally {
      await source.close()
    }
  },
}

function toJson(ref: string, images: readonly ImageEntry[], image: Image) {
  const c = image.config
  return {
    source: ref,
    images: images.map(e => ({ ...e, platforms: e.platforms.map(formatPlatform) })),
    selected: {
      name: image.name,
      manifestDigest: image.manifestDigest,
      configDigest: image.manifest.config.digest,
      platform: formatPlatform({ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }),
      created: c.created ?? null,
      entrypoint: c.config?.Entrypoint ?? null,
      cmd: c.config?.Cmd ?? null,
      labels: c.config?.Labels ?? {},
      layers: image.layers.map(l => ({
        mediaType: l.descriptor.mediaType,
        size: l.descriptor.size,
        digest: l.descriptor.digest,
        diffId: l.diffId,
      })),
    },
  }
}

function toText(ref: string, images: readonly ImageEntry[], image: Image): string {
  const j = toJson(ref, images, image)
  const s = j.selected
  const lines = [`source: ${ref}`, 'images:']
  for (const e of j.images) {
    lines.push(`  ${e.label ?? '(no label)'}  ${e.digest}  ${e.mediaType}${e.platforms.length ? `  ${e.platforms.join(', ')}` : ''}`)
  }
  lines.push(
    `selected: ${s.name}`,
    `  manifest: ${s.manifestDigest}`,
    `  config: ${s.configDigest}`,
    `  platform: ${s.platform}`,
    ...(s.created ? [`  created: ${s.created}`] : []),
    `  entrypoint: ${s.entrypoint ? JSON.stringify(s.entrypoint) : '-'}`,
    `  cmd: ${s.cmd ? JSON.stringify(s.cmd) : '-'}`,
    `  labels:${Object.keys(s.labels).length ? '' : ' -'}`,
    ...Object.entries(s.labels).map(([k, v]) => `    ${k}=${v}`),
    `  layers: ${s.layers.length}`,
    ...s.layers.map((l, i) => `    ${i + 1}  ${l.digest}  ${formatBytes(l.size)}  ${l.mediaType}`),
  )
  return `${lines.join('\n')}\n`
}
