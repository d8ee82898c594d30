// The live-boot settings carried on the kernel command line (see README "Kernel arguments").
// Parsing lives here, not in the dracut hooks, so the shell stays a few lines per hook.

import { FormatError } from '../errors.js'
import { boolArg, lastArg, splitKernelArgs, type KernelArg } from './kernel-args.js'

export const ROOT_PREFIX = 'bootc-live:'

/** How the image reaches the initramfs. 'urllib': a scheme dracut's url-lib fetches for us. */
export type SourceKind = 'file' | 'http' | 'docker' | 'urllib'

export interface LiveConfig {
  /** The SOURCE after `root=bootc-live:`. */
  readonly source: string
  readonly sourceKind: SourceKind
  /** bootclabel: which image of an archive; undefined = the only one, else `latest`. */
  readonly label: string | undefined
  readonly erofs: boolean
  readonly rw: boolean
  readonly rootflags: string
  readonly etcRw: boolean
  readonly varRw: boolean
  readonly kexec: boolean
  readonly kexecReuseImage: boolean
  /** bootc.zram=SIZE in bytes, undefined when off. */
  readonly zramBytes: number | undefined
  readonly zramAlg: string | undefined
  readonly quiet: boolean
  readonly registryInsecure: boolean
  readonly registryAuth: string | undefined
  /** Network attempts before giving up (bootc.net.retries), and the per-attempt timeout in seconds. */
  readonly netRetries: number
  readonly netTimeoutSec: number
}

const URLLIB_SCHEMES = ['tftp://', 'ftp://', 'nfs://', 'nfs4://', 'cifs://']

/** Returns undefined when `root=` is not ours. */
export function parseLiveConfig(cmdline: string): LiveConfig | undefined {
  const args = splitKernelArgs(cmdline)
  const root = lastArg(args, 'root')?.value
  if (root === undefined || !root.startsWith(ROOT_PREFIX)) return undefined
  const source = root.slice(ROOT_PREFIX.length)
  if (source === '') throw new FormatError(`kernel argument root=${root}: no source after ${ROOT_PREFIX}`)
  const zram = lastArg(args, 'bootc.zram')?.value
  return {
    source,
    sourceKind: sourceKind(source),
    label: lastArg(args, 'bootclabel')?.value || undefined,
    erofs: boolArg(args, false, 'bootc.live.erofs'),
    rw: boolArg(args, false, 'rw'),
    rootflags: lastArg(args, 'rootflags')?.value ?? '',
    etcRw: boolArg(args, true, 'bootc.live.etc.rw'),
    varRw: boolArg(args, true, 'bootc.live.var.rw'),
    kexec: boolArg(args, false, 'bootc.kexec'),
    kexecReuseImage: boolArg(args, true, 'bootc.kexec.reuse-image'),
    zramBytes: zram === undefined || zram === '' ? undefined : parseSize('bootc.zram', zram),
    zramAlg: lastArg(args, 'bootc.zram.alg')?.value || undefined,
    quiet: boolArg(args, false, 'bootc.quiet'),
    registryInsecure: boolArg(args, false, 'bootc.registry.unsecure', 'bootc.registry.insecure'),
    registryAuth: lastArg(args, 'bootc.registry.auth')?.value || undefined,
    netRetries: intArg(args, 'bootc.net.retries', 5, 1, 1000),
    netTimeoutSec: intArg(args, 'bootc.net.timeout', 30, 1, 86400),
  }
}

function sourceKind(source: string): SourceKind {
  if (source.startsWith('/')) return 'file'
  if (source.startsWith('http://') || source.startsWith('https://')) return 'http'
  if (source.startsWith('docker://')) return 'docker'
  if (URLLIB_SCHEMES.some(s => source.startsWith(s))) return 'urllib'
  throw new FormatError(`kernel argument root=${ROOT_PREFIX}${source}: source must be an absolute path or a http(s), docker, tftp, ftp or nfs URL`)
}

/** "512M", "2G", "1048576": bytes. */
export function parseSize(what: string, text: string): number {
  const m = /^(\d+)([KMGT]?)(i?B)?$/i.exec(text)
  if (!m) throw new FormatError(`kernel argument ${what}=${text}: not a size (use e.g. 512M or 4G)`)
  const exp = ' KMGT'.indexOf((m[2] ?? '').toUpperCase() || ' ')
  const bytes = Number(m[1]) * 1024 ** exp
  if (bytes <= 0 || !Number.isSafeInteger(bytes)) throw new FormatError(`kernel argument ${what}=${text}: size out of range`)
  return bytes
}

function intArg(args: readonly KernelArg[], key: string, dflt: number, min: number, max: number): number {
  const v = lastArg(args, key)?.value
  if (v === undefined) return dflt
  const n = Number(v)
  if (!/^\d+$/.test(v) || n < min || n > max) throw new FormatError(`kernel argument ${key}=${v}: must be a whole number from ${min} to ${max}`)
  return n
}

/** Where a kexec'd stage finds what the previous stage handed over in its initramfs. */
export const HANDOVER_DIR = '/bootc-live'
export const HANDOVER_FILES = { erofs: 'root.erofs', oci: 'root.oci' } as const

/** A file handed over by kexec reuse: the EROFS image (mounted as is) or the archive. */
export interface HandOver {
  readonly kind: keyof typeof HANDOVER_FILES
  readonly path: string
}

/** POSIX-shell assignments (`eval`-safe) for the dracut hooks. */
export function toShell(config: LiveConfig | undefined, handOver?: HandOver): string {
  if (!config) return 'BOOTC_LIVE=0\n'
  const vars: Array<[string, string | number | boolean | undefined]> = [
    ['BOOTC_LIVE', 1],
    ['BOOTC_LIVE_SOURCE', config.source],
    ['BOOTC_LIVE_SOURCE_KIND', config.sourceKind],
    ['BOOTC_LIVE_LABEL', config.label],
    ['BOOTC_LIVE_EROFS', config.erofs],
    ['BOOTC_LIVE_RW', config.rw],
    ['BOOTC_LIVE_ROOTFLAGS', config.rootflags],
    ['BOOTC_LIVE_ETC_RW', config.etcRw],
    ['BOOTC_LIVE_VAR_RW', config.varRw],
    ['BOOTC_LIVE_KEXEC', config.kexec],
    ['BOOTC_LIVE_KEXEC_REUSE', config.kexecReuseImage],
    ['BOOTC_LIVE_ZRAM_BYTES', config.zramBytes],
    ['BOOTC_LIVE_ZRAM_ALG', config.zramAlg],
    ['BOOTC_LIVE_QUIET', config.quiet],
    ['BOOTC_LIVE_REGISTRY_INSECURE', config.registryInsecure],
    ['BOOTC_LIVE_REGISTRY_AUTH', config.registryAuth],
    ['BOOTC_LIVE_NET_RETRIES', config.netRetries],
    ['BOOTC_LIVE_NET_TIMEOUT', config.netTimeoutSec],
    ['BOOTC_LIVE_HANDOVER', handOver?.path],
    ['BOOTC_LIVE_HANDOVER_KIND', handOver?.kind],
  ]
  return vars.map(([k, v]) => `${k}=${shellQuote(v === undefined ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v))}\n`).join('')
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]*$/.test(s) && s !== '' ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
