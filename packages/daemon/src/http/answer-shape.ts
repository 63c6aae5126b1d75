// An answer cut to its response schema: only the fields the schema declares reach the caller (what fast-json-stringify
// guaranteed, without compiling a serializer per schema). Pure; walks the value once.

interface Shape {
  readonly properties?: Readonly<Record<string, unknown>>
  readonly patternProperties?: Readonly<Record<string, unknown>>
  readonly additionalProperties?: unknown
  readonly items?: unknown
  readonly anyOf?: readonly unknown[]
  readonly oneOf?: readonly unknown[]
  readonly allOf?: readonly unknown[]
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'

/** patternProperties' patterns, compiled once each (a Record field is walked on every answer). */
const patterns = new Map<string, RegExp>()
const patternOf = (source: string): RegExp => {
  let re = patterns.get(source)
  if (re === undefined) { re = new RegExp(source, 'u'); patterns.set(source, re) }
  return re
}

/** The object schemas a schema allows (a union's branches flattened); none when it says nothing of an object's fields. */
function objectShapes (schema: unknown): Shape[] {
  if (!isObject(schema)) return []
  const s = schema as Shape
  const branches = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap(objectShapes)
  const own = s.properties !== undefined || s.patternProperties !== undefined || s.additionalProperties !== undefined ? [s] : []
  return [...own, ...branches]
}

/** The schema of an array's items (a union's array branches: the first that has one). */
function itemsOf (schema: unknown): unknown {
  if (!isObject(schema)) return undefined
  const s = schema as Shape
  if (isObject(s.items)) return s.items
  for (const b of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) { const i = itemsOf(b); if (i !== undefined) return i }
  return undefined
}

/** The schema a field falls under in one of the shapes, or null when none declares it (dropped). */
function fieldSchema (shapes: readonly Shape[], key: string): unknown {
  for (const s of shapes) if (s.properties !== undefined && Object.hasOwn(s.properties, key)) return s.properties[key]
  for (const s of shapes) {
    for (const [pattern, sub] of Object.entries(s.patternProperties ?? {})) if (patternOf(pattern).test(key)) return sub
  }
  for (const s of shapes) if (s.additionalProperties === true || isObject(s.additionalProperties)) return s.additionalProperties === true ? {} : s.additionalProperties
  return null
}

/**
 * The value with every object cut to the fields its schema declares (properties, patternProperties, or allowed
 * additionalProperties; in a union, those of any object branch). Values the schema says nothing about stay as they are.
 */
export function pickDeclared (schema: unknown, value: unknown): unknown {
  if (!isObject(value)) return value
  if (Array.isArray(value)) {
    const items = itemsOf(schema)
    return items === undefined ? value : value.map((v: unknown) => pickDeclared(items, v))
  }
  if (typeof value.toJSON === 'function') return value
  const shapes = objectShapes(schema)
  if (shapes.length === 0) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const sub = fieldSchema(shapes, key)
    if (sub !== null) out[key] = pickDeclared(sub, v)
  }
  return out
}
