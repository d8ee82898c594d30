// SOURCE strings (`FILE[:LABEL]`, `oci-archive:FILE[:LABEL]`, `oci:DIR[:LABEL]`, `docker://REF`,
// `http(s)://URL`) and docker-style image name normalisation for label matching.
// Paths may contain ':', so a split is only taken when the whole string does not name an existing
// path; then the longest prefix ending before a ':' that exists is the path.

import { NotFoundError, UsageError } from '../errors.js'

export type SourceKind = 'archive' | 'layout' | 'docker' | 'http'

export interface SourceRef {
  kind: SourceKind
  /** File or directory for archive/layout, the rest of the string for docker/http. */
  location: string
  label: string | undefined
  /** True for `oci-archive:` / `oci:` prefixes; false for a bare FILE (which may be a directory). */
  explicitKind: boolean
}

/** `exists(path)` answers whether a file or directory is there (injected for testing). */
export function parseSourceRef(ref: string, exists: (path: string) => boolean): SourceRef {
  if (ref === '') throw new UsageError('empty image source')
  if (/^https?:\/\//.test(ref)) {
    if (!URL.canParse(ref)) throw new UsageError(`image source ${JSON.stringify(ref)}: not a valid URL`)
    return { kind: 'http', location: ref, label: undefined, explicitKind: true }
  }
  if (ref.startsWith('docker://')) {
    return { kind: 'docker', location: ref.slice('docker://'.length), label: undefined, explicitKind: true }
  }
  for (const [prefix, kind] of [['oci-archive:', 'archive'], ['oci:', 'layout']] as const) {
    if (ref.startsWith(prefix)) return { kind, ...splitLabel(ref.slice(prefix.length), exists), explicitKind: true }
  }
  return { kind: 'archive', ...splitLabel(ref, exists), explicitKind: false }
}

function splitLabel(s: string, exists: (path: string) => boolean): { location: string; label: string | undefined } {
  if (s === '') throw new UsageError('image source names no path')
  if (exists(s)) return { location: s, label: undefined }
  // Longest existing path first: labels may hold ':' too ("oci:dir:quay.io/x/y:1").
  for (let colon = s.lastIndexOf(':'); colon > 0; colon = s.lastIndexOf(':', colon - 1)) {
    const location = s.slice(0, colon)
    const label = s.slice(colon + 1)
    if (exists(location)) {
      if (label === '') throw new UsageError(`image source ${JSON.stringify(s)}: empty label after ':'`)
      return { location, label }
    }
  }
  throw new NotFoundError(`image source ${s}: no such file or directory`)
}

/**
 * docker/distribution's familiar-name rules: `x` -> `docker.io/library/x:latest`,
 * `user/x:1` -> `docker.io/user/x:1`; a first component with '.' or ':' or `localhost` is a host.
 * A digest suffix stays and suppresses the default tag.
 */
export function normalizeImageName(name: string): string {
  let rest = name
  let digest = ''
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at)
    rest = rest.slice(0, at)
  }
  let tag = ''
  const lastColon = rest.lastIndexOf(':')
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon)
    rest = rest.slice(0, lastColon)
  }
  const slash = rest.indexOf('/')
  const first = slash < 0 ? '' : rest.slice(0, slash)
  const hasHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost')
  let host = 'docker.io'
  let path = rest
  if (hasHost) {
    host = first === 'index.docker.io' ? 'docker.io' : first
    path = rest.slice(slash + 1)
  }
  if (host === 'docker.io' && !path.includes('/')) path = `library/${path}`
  if (tag === '' && digest === '') tag = ':latest'
  return `${host}/${path}${tag}${digest}`
}
