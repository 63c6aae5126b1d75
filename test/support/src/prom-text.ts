// A strict parser of the Prometheus text exposition format (0.0.4), for tests: any line it does not understand throws.
export interface PromSample { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly value: number }
export interface PromFamily { readonly name: string; readonly type: string; readonly help: string }

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`)
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y

function parseValue (text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return Number.NaN
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`)
  return Number(text)
}

function parseLabels (text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex
    const m = LABEL.exec(text)
    if (m === null || m.index !== at) throw new Error(`bad labels in: ${line}`)
    const key = m[1] ?? ''
    if (key in labels) throw new Error(`duplicate label ${key} in: ${line}`)
    labels[key] = (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    if (m[3] === '') break
  }
  return labels
}

/** The families and samples of an exposition; throws on any malformed line or a sample of an undeclared family. */
export function parsePromText (text: string): { families: Map<string, PromFamily>; samples: PromSample[] } {
  const families = new Map<string, PromFamily>()
  const helps = new Map<string, string>()
  const samples: PromSample[] = []
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`bad metric name in: ${line}`)
      if (kind === 'HELP') helps.set(name, rest)
      else {
        if (!TYPES.has(rest)) throw new Error(`bad type in: ${line}`)
        if (families.has(name)) throw new Error(`TYPE given twice: ${line}`)
        families.set(name, { name, type: rest, help: helps.get(name) ?? '' })
      }
      continue
    }
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`not a sample line: ${line}`)
    const name = m[1] ?? ''
    const family = [...families.keys()].find((f) => name === f || (/_(bucket|sum|count|total|created)$/.test(name) && name.startsWith(`${f}_`)))
    if (family === undefined) throw new Error(`sample of an undeclared family: ${line}`)
    samples.push({ name, labels: m[2] === undefined ? {} : parseLabels(m[2], line), value: parseValue(m[3] ?? '', line) })
  }
  return { families, samples }
}
