// VM boot harness: builds initramfs images with scripts/boot/ (cached by their inputs), boots them
// under QEMU TCG with scripts/boot/run-vm.sh, and parses what the guest printed on its serial console.

import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startFileServer, type FileServer } from '../helpers/servers/file-server.js'

const run = promisify(execFile)

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** Everything the VM tests build lives here (gitignored), reused across runs when inputs match. */
export const OUT = join(REPO, 'out', 'boot-test')
const BUNDLE = join(OUT, 'bundle')
const GLUE = join(REPO, 'dracut-glue', 'modules.d')
const TEST_MODULES = join(REPO, 'test', 'boot', 'modules.d')

/** The newest installed Debian kernel (/boot/vmlinuz-VER): what dracut is told with --kver. */
export async function kernel(): Promise<{ kver: string; image: string }> {
  const names = (await readdir('/boot')).filter(n => n.startsWith('vmlinuz-'))
  const kver = names.map(n => n.slice('vmlinuz-'.length)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).pop()
  if (!kver) throw new Error('no /boot/vmlinuz-*: install linux-image-amd64')
  return { kver, image: `/boot/vmlinuz-${kver}` }
}

let bundled: Promise<string> | undefined

/** The program bundled from the TypeScript sources (so tests never boot a stale dist/). */
export function bundle(): Promise<string> {
  bundled ??= run('bash', ['scripts/boot/bundle.sh', BUNDLE], { cwd: REPO, env: bundleEnv() }).then(() => BUNDLE)
  return bundled
}

function bundleEnv(): NodeJS.ProcessEnv {
  return { ...process.env, BOOTC_LIVE_ENTRY: 'bin/bootc-live-unpack.ts' }
}

/** Runs the bundled program (host side), returning stdout. */
export async function program(...args: string[]): Promise<string> {
  const { stdout } = await run('node', [join(await bundle(), 'bootc-live-unpack.mjs'), ...args], { maxBuffer: 1 << 24 })
  return stdout
}

/** sample/build.sh output: root.oci with label latest, or with latest and alt; rebuilt when sample/ changes. */
export async function sampleArchive(variant: 'latest' | 'alt'): Promise<string> {
  const key = await filesKey(await listFiles(join(REPO, 'sample')))
  const dir = join(OUT, `sample-${variant}-${key}`)
  const file = join(dir, 'root.oci')
  if (!existsSync(file)) await run('bash', ['sample/build.sh', ...(variant === 'alt' ? ['--alt'] : []), dir], { cwd: REPO })
  return file
}

/** A Debian kernel other than the booted one (scripts/boot/other-kernel.sh): version and files. */
export async function otherKernel(): Promise<OtherKernel> {
  const dir = join(OUT, 'other-kernel')
  const { stdout } = await run('bash', ['scripts/boot/other-kernel.sh', dir], { cwd: REPO })
  const kver = stdout.trim()
  return { kver, image: join(dir, 'root', 'boot', `vmlinuz-${kver}`), kmoddir: join(dir, 'root', 'lib', 'modules', kver) }
}

export interface OtherKernel {
  kver: string
  image: string
  /** Its modules, for dracut --kmoddir. */
  kmoddir: string
}

/**
 * The kexec variant of the sample (sample/build-kexec.sh): latest plus /usr/lib/modules/KVER/vmlinuz
 * and an initramfs.img made by our glue for that kernel (`initrd`).
 */
export async function kexecArchive(other: OtherKernel, initrd: string): Promise<string> {
  const base = await sampleArchive('latest')
  const key = await filesKey([base, other.image, initrd, join(REPO, 'sample', 'build-kexec.sh')])
  const dir = join(OUT, `sample-kexec-${key}`)
  const file = join(dir, 'root.oci')
  if (!existsSync(file)) await run('bash', ['sample/build-kexec.sh', base, other.kver, other.image, initrd, dir], { cwd: REPO })
  return file
}

async function filesKey(files: string[]): Promise<string> {
  const h = createHash('sha256')
  for (const f of files) h.update(f).update(await readFile(f))
  return h.digest('hex').slice(0, 16)
}

export interface InitramfsSpec {
  name: string
  flavour: 'shell' | 'systemd'
  modules: string[]
  /** An archive to embed at /root.oci. */
  embed?: string
  /** Another kernel than the booted one (its modules go in). */
  kernel?: OtherKernel
}

export interface Built {
  path: string
  sizeBytes: number
  /** Seconds dracut took, undefined when the cached image was reused. */
  buildSeconds: number | undefined
}

/** An initramfs with our modules plus the test module; rebuilt only when one of its inputs changed. */
export async function initramfs(spec: InitramfsSpec): Promise<Built> {
  const kver = spec.kernel?.kver ?? (await kernel()).kver
  const key = await inputKey(spec, kver)
  const path = join(OUT, `${spec.name}-${key}.img`)
  if (existsSync(path)) return { path, sizeBytes: await fileSize(path), buildSeconds: undefined }
  await mkdir(OUT, { recursive: true })
  const started = Date.now()
  const env = { ...bundleEnv(), KVER: kver, KMODDIR: spec.kernel?.kmoddir ?? '', BOOTC_LIVE_EXTRA_MODULES: TEST_MODULES, ROOT_OCI: spec.embed ?? '' }
  await run('bash', ['scripts/boot/build-initrd.sh', `${path}.tmp`, spec.flavour, ...spec.modules, 'bootc-live-test'], {
    cwd: REPO,
    env,
    maxBuffer: 1 << 24,
  })
  await run('mv', [`${path}.tmp`, path])
  // Images of older inputs are never used again.
  for (const f of await readdir(OUT)) {
    if (new RegExp(`^${spec.name}-[0-9a-f]{16}\\.img$`).test(f) && join(OUT, f) !== path) await rm(join(OUT, f))
  }
  return { path, sizeBytes: await fileSize(path), buildSeconds: (Date.now() - started) / 1000 }
}

async function inputKey(spec: InitramfsSpec, kver: string): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify({ ...spec, embed: undefined, kernel: undefined, kver }))
  const files = [...(await listFiles(GLUE)), ...(await listFiles(TEST_MODULES)), ...(await listFiles(join(REPO, 'scripts', 'boot')))]
  files.push(join(await bundle(), 'bootc-live-unpack.mjs'))
  if (spec.embed) files.push(spec.embed)
  for (const f of files) h.update(f).update(await readFile(f))
  return h.digest('hex').slice(0, 16)
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter(e => e.isFile())
    .map(e => join(e.parentPath, e.name))
    .sort()
}

async function fileSize(path: string): Promise<number> {
  const { stdout } = await run('stat', ['-c', '%s', path])
  return Number(stdout.trim())
}

/** `initrd` followed by a gzip'd newc cpio holding `archive` as /root.oci (scripts/boot/rootfs-img.sh). */
export async function appendArchive(initrd: string, archive: string, name: string): Promise<string> {
  const cpio = join(OUT, `${name}.rootfs.img`)
  await run('bash', ['scripts/boot/rootfs-img.sh', archive, cpio], { cwd: REPO })
  const out = join(OUT, `${name}.img`)
  await writeFile(out, Buffer.concat([await readFile(initrd), await readFile(cpio)]))
  await rm(cpio)
  return out
}

export interface BootOptions {
  /** Keep the console in out/boot-test/consoles/NAME.log. */
  name?: string
  /** A folder QEMU serves over TFTP at 10.0.2.2. */
  tftpDir?: string
  /** Guest port on 10.0.2.100 -> host port on 127.0.0.1. */
  forward?: Array<[guestPort: number, hostPort: number]>
  timeoutSec?: number
  memMiB?: number
}

export interface Boot {
  console: string
  /** The lines between BOOTC-LIVE-REPORT-BEGIN/END, undefined when the image never ran its init. */
  report: string[] | undefined
  /** BOOTC-LIVE-TEST lines of the test module: key -> value. */
  facts: Map<string, string>
  /** The dracut FATAL line (the one-line cause of a stopped boot), if any. */
  fatal: string | undefined
  seconds: number
  timedOut: boolean
}

const HALTED = /reboot: System halted/

/** Boots out/… under QEMU TCG (scripts/boot/run-vm.sh); QEMU is killed after timeoutSec. */
export async function boot(initrd: string, cmdline: string, opts: BootOptions = {}): Promise<Boot> {
  const { image } = await kernel()
  const timeoutSec = opts.timeoutSec ?? 300
  const env = {
    ...process.env,
    KERNEL: image,
    VM_TIMEOUT: String(timeoutSec),
    VM_MEM: String(opts.memMiB ?? 1024),
    GUESTFWD: (opts.forward ?? []).map(([g, h]) => `${g}=${h}`).join(' '),
    TFTP_DIR: opts.tftpDir ?? '',
  }
  const started = Date.now()
  const child = spawn('bash', ['scripts/boot/run-vm.sh', initrd, cmdline], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const collect = (d: Buffer) => {
    text += d.toString('latin1')
    // A halted guest (systemd's die halts) never exits QEMU by itself.
    if (HALTED.test(text.slice(-4096))) child.kill('SIGTERM')
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const code = await new Promise<number | null>(res => child.on('close', c => res(c)))
  const console = text.replace(/\r/g, '')
  if (opts.name) {
    await mkdir(join(OUT, 'consoles'), { recursive: true })
    await writeFile(join(OUT, 'consoles', `${opts.name}.log`), console)
  }
  return { console, ...parseConsole(console), seconds: (Date.now() - started) / 1000, timedOut: code === 124 || code === 137 }
}

export function parseConsole(text: string): Pick<Boot, 'report' | 'facts' | 'fatal'> {
  const lines = text.split('\n')
  const begin = lines.findIndex(l => l.trim() === 'BOOTC-LIVE-REPORT-BEGIN')
  const end = lines.findIndex((l, i) => i > begin && l.trim() === 'BOOTC-LIVE-REPORT-END')
  const report = begin >= 0 && end > begin ? lines.slice(begin + 1, end) : undefined
  const facts = new Map<string, string>()
  for (const l of lines) {
    const m = /BOOTC-LIVE-TEST ([^:]+): (.*)$/.exec(l)
    if (m) facts.set(m[1]!, m[2]!.trim())
  }
  const fatal = lines.map(l => /dracut: FATAL: (.*)$/.exec(l)?.[1]).find(x => x !== undefined)
  return { report, facts, fatal }
}

/** Report lines starting with `key: `, without the key. */
export function field(report: readonly string[], key: string): string[] {
  return report.filter(l => l.startsWith(`${key}: `)).map(l => l.slice(key.length + 2))
}

/** Serves `archive` as /root.oci from a file server on the host for the time of `fn`. */
export async function withArchiveServer(archive: string, fn: (server: FileServer) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bootc-live-serve-'))
  await copyFile(archive, join(dir, 'root.oci'))
  const server = await startFileServer(dir)
  try {
    await fn(server)
  } finally {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
