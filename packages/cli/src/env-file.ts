// `--env-file .env`: the dotenv format as Node reads it (`node --env-file`, util.parseEnv): KEY=value, `export`
// prefix, # comments, values in '', "" or `` quotes that may span lines (a PEM key), \n in "" as a newline (and \"
// as a quote, where Node would end the value). Stricter than Node where Node guesses: a line that is no KEY=value,
// a quote that never closes or text after a closing quote is an error naming its line (never its text: a secret).
import { readFileSync } from 'node:fs'
import { CliError } from './errors.ts'

const HEAD = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=[ \t]*(.*)$/
const QUOTES = new Set(['"', "'", '`'])

const bad = (file: string, line: number, what: string): CliError =>
  new CliError(`${file}:${line} ${what}`, { hint: 'dotenv format: one KEY=value a line, # comments, quoted values may span lines' })

/** An unquoted value: up to a ` #` comment, trimmed. */
function unquoted (raw: string): string {
  const hash = raw.search(/\s#/)
  return (hash === -1 ? raw : raw.slice(0, hash)).trim()
}

/** Where the value opened by `quote` closes in `body`, or -1; in "" a \" does not close it. */
function closeOf (body: string, quote: string): number {
  if (quote !== '"') return body.indexOf(quote)
  return body.search(/(?<!\\)"/)
}

/** Parses dotenv text; a later KEY wins. */
export function parseEnvFile (text: string, file: string): Record<string, string> {
  const env: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (/^\s*(#.*)?$/.test(line)) continue
    const m = HEAD.exec(line)
    if (m === null) throw bad(file, i + 1, 'is not KEY=value')
    const key = m[1] ?? ''
    const raw = m[2] ?? ''
    const quote = raw[0] ?? ''
    if (!QUOTES.has(quote)) {
      env[key] = unquoted(raw)
      continue
    }
    const first = i
    let body = raw.slice(1)
    let close = closeOf(body, quote)
    while (close === -1 && i + 1 < lines.length) {
      body += `\n${lines[++i] ?? ''}`
      close = closeOf(body, quote)
    }
    if (close === -1) throw bad(file, first + 1, `opens a ${quote}-quoted value that never closes`)
    if (!/^\s*(#.*)?$/.test(body.slice(close + 1))) throw bad(file, i + 1, 'has text after its quoted value')
    const value = body.slice(0, close)
    env[key] = quote === '"' ? value.replace(/\\n/g, '\n').replace(/\\"/g, '"') : value
  }
  return env
}

/** Reads one or more env files (later files win). */
export function readEnvFiles (files: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new CliError(`Cannot read --env-file ${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
    Object.assign(env, parseEnvFile(text, file))
  }
  return env
}
