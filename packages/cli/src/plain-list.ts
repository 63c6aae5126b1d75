// Which command lines take bin/sup.js's short path (bundle/list.cjs): `sup list` or `sup ls`, with nothing but
// `--json` after it. Anything else (`--help`, an unknown option, a typo) goes to the whole program, which parses it
// and answers as it always did. `sup list --json` tries a shorter path still first (list-json.ts, from bin/sup.js).

/** True for `list`/`ls` followed only by `--json` (argv without node and the script). */
export function isPlainList (args: readonly string[]): boolean {
  const [verb, ...rest] = args
  return (verb === 'list' || verb === 'ls') && rest.every((a) => a === '--json')
}

// bin/sup.js's other check: `sup start` with no daemon spawns one before the program loads (early-daemon.ts).
export { spawnEarlyDaemon } from './early-daemon.ts'
