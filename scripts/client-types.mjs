// Writes the packed client's declarations: tsc's .d.ts of @sup/client with the @sup/protocol types it names
// expanded into plain TypeScript (lib/protocol.d.ts), so the installed client has its types and needs neither
// @sup/protocol nor typebox; and lib/cjs/package.json. Run by packages/client's bundle step (cwd packages/client), after
// `tsc -b` and tsup.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** `export type X = <structure>` for every type alias @sup/protocol exports (Static<typeof Schema> resolved). */
export function expandProtocolTypes (protocolIndexDts) {
  const program = ts.createProgram([protocolIndexDts], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true })
  const checker = program.getTypeChecker()
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(protocolIndexDts))
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.MultilineObjectLiterals
  const lines = ['// Generated from @sup/protocol by scripts/client-types.mjs: the API\'s types as plain TypeScript.']
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    if ((symbol.flags & ts.SymbolFlags.TypeAlias) === 0) continue
    const text = checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), undefined, flags)
    if (/\bimport\(|\bType\./.test(text)) throw new Error(`${exported.name} did not expand to plain types: ${text.slice(0, 200)}`)
    lines.push(`export type ${exported.name} = ${text}`)
  }
  return `${lines.join('\n')}\n`
}

/** Copies dist/*.d.ts into each of `outDirs`, pointing '@sup/protocol' at ./protocol.js, and writes protocol.d.ts there. */
export function writeClientTypes (clientDir, outDirs) {
  const dist = join(clientDir, 'dist')
  const protocol = expandProtocolTypes(join(clientDir, '../protocol/dist/index.d.ts'))
  for (const out of outDirs) {
    mkdirSync(out, { recursive: true })
    for (const name of readdirSync(dist).filter((n) => n.endsWith('.d.ts'))) {
      const text = readFileSync(join(dist, name), 'utf8').replaceAll(/from '@sup\/protocol'/g, "from './protocol.js'")
      writeFileSync(join(out, name), text)
    }
    writeFileSync(join(out, 'protocol.d.ts'), protocol)
  }
}


if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync('lib/cjs/package.json', '{ "type": "commonjs" }\n')
  writeClientTypes('.', ['lib/esm', 'lib/cjs'])
}
