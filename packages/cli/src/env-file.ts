// `--env-file .env`: the dotenv format (KEY=value, `export` prefix, # comments, quoted values).
import { readFileSync } from 'node:fs'
import { CliError } from './errors.ts'

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/

function unquote (raw: string): string {
  const q = raw[0]
  if ((q === '"' || q === "'") && raw.length >= 2 && raw.endsWith(q)) {
    const inner = raw.slice(1, -1)
    return q === '"' ? inner.replace(/\\n/g, '\n').replace(/\\"/g, '"') : inner
  }
  // an unquoted value ends at ` #`
  const hash = raw.search(/\s#/)
  return hash === -1 ? raw : raw.slice(0, hash).trimEnd()
}

/** Parses dotenv text; a line that is neither blank, a comment nor KEY=value is an error naming its line (never its text). */
export function parseEnvFile (text: string, file: string): Record<string, string> {
  const env: Record<string, string> = {}
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#.*)?$/.test(line)) return
    const m = LINE.exec(line)
    if (m === null) throw new CliError(`${file}:${i + 1} is not KEY=value`, { hint: 'dotenv format: one KEY=value a line, # comments' })
    env[m[1] ?? ''] = unquote(m[2] ?? '')
  })
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
