// Whether to colour: a file of its own, so `sup list --json`'s short path (list-json.ts) decides it without loading
// picocolors.

/** NO_COLOR (any value) turns colour off, FORCE_COLOR (not "0") on; otherwise a terminal that is not "dumb". */
export function shouldColor (env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true
  return isTTY && env.TERM !== 'dumb'
}
