// Splits a kernel command line the way the kernel does (lib/cmdline.c next_arg): parameters are
// separated by spaces; double quotes group spaces inside a value and are removed.

export interface KernelArg {
  readonly key: string
  /** undefined for a bare flag ("rw"), otherwise the text after the first '='. */
  readonly value: string | undefined
}

export function splitKernelArgs(cmdline: string): KernelArg[] {
  const args: KernelArg[] = []
  let i = 0
  const n = cmdline.length
  while (i < n) {
    while (i < n && /\s/.test(cmdline[i]!)) i++
    if (i >= n) break
    let token = ''
    let quoted = false
    for (; i < n; i++) {
      const c = cmdline[i]!
      if (c === '"') quoted = !quoted
      else if (!quoted && /\s/.test(c)) break
      else token += c
    }
    const eq = token.indexOf('=')
    args.push(eq === -1 ? { key: token, value: undefined } : { key: token.slice(0, eq), value: token.slice(eq + 1) })
  }
  return args
}

/** The last occurrence wins, as with dracut's getarg. */
export function lastArg(args: readonly KernelArg[], ...keys: string[]): KernelArg | undefined {
  for (let i = args.length - 1; i >= 0; i--) if (keys.includes(args[i]!.key)) return args[i]
  return undefined
}

/** dracut getargbool: a bare flag is true; "0", "no", "off", "false" are false; absent gives `dflt`. */
export function boolArg(args: readonly KernelArg[], dflt: boolean, ...keys: string[]): boolean {
  const a = lastArg(args, ...keys)
  if (!a) return dflt
  if (a.value === undefined || a.value === '') return true
  return !['0', 'no', 'off', 'false'].includes(a.value.toLowerCase())
}
