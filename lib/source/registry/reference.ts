// docker://REF as docker resolves it: the familiar-name rules of oci/reference.ts (docker.io,
// library/, host detection, default tag) plus validation and the host to connect to.

import { UsageError } from '../../errors.js'
import { digestProblem } from '../../oci/digest.js'
import { normalizeImageName } from '../../oci/reference.js'

export interface DockerReference {
  /** Registry as named: `docker.io`, `127.0.0.1:5000`. */
  domain: string
  /** Where to connect: docker.io means registry-1.docker.io. */
  host: string
  /** `library/alpine`, `user/x`. */
  repository: string
  tag: string | undefined
  /** A pinned manifest digest; the manifest is verified against it. */
  digest: string | undefined
}

/** distribution/reference grammar for path components, tags. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:.]+\](?::\d+)?$/

export function parseDockerReference(ref: string): DockerReference {
  const bad = (why: string): never => {
    throw new UsageError(`invalid image reference ${JSON.stringify(ref)}: ${why}`)
  }
  if (ref === '') bad('empty')
  const full = normalizeImageName(ref)
  const slash = full.indexOf('/')
  const domain = full.slice(0, slash)
  let rest = full.slice(slash + 1)
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    const problem = digestProblem(digest)
    if (problem !== null) bad(problem)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon >= 0) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) bad(`invalid tag ${JSON.stringify(tag)}`)
  }
  if (!DOMAIN.test(domain)) bad(`invalid registry host ${JSON.stringify(domain)}`)
  const port = /:(\d+)$/.exec(domain)?.[1]
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) bad(`port ${port} is not in 1-65535`)
  if (rest === '' || !rest.split('/').every(c => COMPONENT.test(c))) {
    bad(`invalid repository name ${JSON.stringify(rest)}: want lowercase components separated by '/'`)
  }
  return { domain, host: domain === 'docker.io' ? 'registry-1.docker.io' : domain, repository: rest, tag, digest }
}

/** `127.0.0.1:5000/x:1`, `docker.io/library/alpine@sha256:...`: the canonical name for labels. */
export function formatDockerReference(r: DockerReference): string {
  return `${r.domain}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`
}

/** What to ask the manifests endpoint for: the digest when pinned, else the tag. */
export function manifestReference(r: DockerReference): string {
  return r.digest ?? r.tag ?? 'latest'
}
