// Which scripts node runs itself, with no interpreter and no execute bit: JavaScript always, TypeScript on a node that
// strips types (22.18+, 23.6+: `node app.ts`, as PM2 users run .ts apps through ts-node). One rule for the check at
// `sup start` (runnable.ts) and for the spawn (spawn-spec.ts).
const JAVASCRIPT = /\.(c|m)?js$/
const TYPESCRIPT = /\.(c|m)?ts$/

/** True when this node runs .ts/.mts/.cts files itself (`process.features.typescript`: 'strip' or 'transform'). */
export const NODE_STRIPS_TYPES: boolean = Boolean((process.features as { typescript?: unknown }).typescript)

export function isTypeScript (script: string): boolean {
  return TYPESCRIPT.test(script)
}

/** A script this daemon's node runs: .js/.mjs/.cjs, and .ts/.mts/.cts when `stripsTypes`. */
export function isNodeScript (script: string, stripsTypes: boolean = NODE_STRIPS_TYPES): boolean {
  return JAVASCRIPT.test(script) || (stripsTypes && isTypeScript(script))
}
