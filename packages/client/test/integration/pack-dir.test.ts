// What a deployed directory's tarball holds: ignore rules, node_modules/.git skipped, no symlink leading outside.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Parser, type ReadEntry } from 'tar'
import { describe, expect, it } from 'vitest'
import { tmpDir } from '@sup/test-support'
import { listPackFiles, packDirectory } from '../../src/pack-dir.ts'

function tree (root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

/** The entries of a gzip'd tar stream: path -> type (and link target), and each file's text. */
async function readArchive (stream: NodeJS.ReadableStream): Promise<{ types: Record<string, string>; texts: Record<string, string> }> {
  const types: Record<string, string> = {}
  const texts: Record<string, string> = {}
  const parser = new Parser({
    onReadEntry: (e: ReadEntry) => {
      types[e.path] = e.type === 'SymbolicLink' ? `SymbolicLink -> ${e.linkpath}` : e.type
      let text = ''
      e.on('data', (c: Buffer) => { text += c.toString('utf8') })
      e.on('end', () => { if (e.type === 'File') texts[e.path] = text })
    }
  })
  await pipeline(stream, parser)
  return { types, texts }
}

describe('listPackFiles', () => {
  it('applies .gitignore and .supignore, and never takes node_modules or .git', async () => {
    const root = tmpDir('pack-')
    tree(root, {
      'package.json': '{}',
      'server.js': 'ok',
      '.gitignore': 'dist/\n*.log\n.env\n',
      '.supignore': 'test/\n*.md\n!KEEP.md\n',
      'README.md': 'x',
      'KEEP.md': 'x',
      'app.log': 'x',
      '.env': 'SECRET=1',
      'dist/bundle.js': 'x',
      'test/a.test.js': 'x',
      'node_modules/dep/index.js': 'x',
      'lib/node_modules/nested/index.js': 'x',
      '.git/HEAD': 'ref',
      'lib/util.js': 'x',
      'lib/.gitignore': 'generated.js\n/local.json\n',
      'lib/generated.js': 'x',
      'lib/local.json': 'x',
      'lib/deep/local.json': 'x',
      'cfg/.gitignore': '!keep.log\n',
      'cfg/keep.log': 'x',
      'cfg/other.log': 'x'
    })
    const { entries, skipped } = await listPackFiles(root)
    expect([...entries].sort()).toEqual([
      '.gitignore', '.supignore', 'KEEP.md', 'cfg', 'cfg/.gitignore', 'cfg/keep.log', 'lib', 'lib/.gitignore', 'lib/deep', 'lib/deep/local.json', 'lib/util.js', 'package.json', 'server.js'
    ])
    expect(skipped).toEqual([])
  })

  it('puts files before directories (a first entry under package/ would read as npm pack output)', async () => {
    const root = tmpDir('pack-')
    tree(root, { 'package/x.js': 'x', 'server.js': 'x' })
    expect((await listPackFiles(root)).entries).toEqual(['server.js', 'package', 'package/x.js'])
  })

  it('keeps symlinks that stay inside, skips (and reports) those that lead outside', async () => {
    const root = tmpDir('pack-')
    const outside = tmpDir('outside-')
    tree(root, { 'server.js': 'x', 'lib/real.js': 'x' })
    tree(outside, { 'secret.txt': 'x' })
    symlinkSync('lib/real.js', join(root, 'alias.js'))
    symlinkSync('../real.js', join(root, 'lib', 'up.js'))
    symlinkSync(join(outside, 'secret.txt'), join(root, 'abs.txt'))
    symlinkSync('../../../../../../../etc/passwd', join(root, 'climb'))
    symlinkSync(outside, join(root, 'lib', 'outdir'))
    const { entries, skipped } = await listPackFiles(root)
    expect(entries).toContain('alias.js')
    expect(entries).not.toContain('abs.txt')
    expect(entries).not.toContain('climb')
    expect(skipped.map((s) => s.path).sort()).toEqual(['abs.txt', 'climb', 'lib/outdir'])
    expect(skipped.find((s) => s.path === 'abs.txt')?.reason).toMatch(/absolute/)
  })

  it('refuses a path that is not a directory, with a code', async () => {
    const root = tmpDir('pack-')
    tree(root, { 'file.txt': 'x' })
    await expect(listPackFiles(join(root, 'file.txt'))).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_DEPLOY_SOURCE' })
    await expect(listPackFiles(join(root, 'missing'))).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_DEPLOY_SOURCE' })
  })

  it('refuses a directory with no file to pack (empty, or every file ignored), saying why', async () => {
    const empty = tmpDir('pack-')
    await expect(listPackFiles(empty)).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_DEPLOY_SOURCE', message: `Nothing to deploy: ${empty} has no file to pack` })
    const ignored = tmpDir('pack-')
    tree(ignored, { '.supignore': '*\n', 'server.js': 'x', 'lib/a.js': 'x', 'node_modules/x/index.js': 'x' })
    await expect(listPackFiles(ignored)).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_DEPLOY_SOURCE', hint: expect.stringMatching(/\.gitignore.*\.supignore/) })
  })
})

describe('packDirectory', () => {
  it('streams a gzip tarball holding exactly the listed entries, links as links', async () => {
    const root = tmpDir('pack-')
    tree(root, { 'server.js': 'console.log(1)', '.gitignore': 'secret.txt\n', 'secret.txt': 'no', 'lib/a.js': 'A', 'node_modules/x/i.js': 'x' })
    symlinkSync('lib/a.js', join(root, 'link.js'))
    const { stream, listing } = await packDirectory(root)
    const { types, texts } = await readArchive(stream)
    expect(Object.keys(types).map((p) => p.replace(/\/$/, '')).sort()).toEqual([...listing.entries].sort())
    expect(types['link.js']).toBe('SymbolicLink -> lib/a.js')
    expect(types['lib/']).toBe('Directory')
    expect(texts['server.js']).toBe('console.log(1)')
    expect(texts['lib/a.js']).toBe('A')
    expect(types['secret.txt']).toBeUndefined()
  })

  it('reads files as the stream is consumed: a big file never sits whole in the archive stream', async () => {
    const root = tmpDir('pack-')
    const big = Buffer.alloc(8 * 1024 * 1024, 'a')
    writeFileSync(join(root, 'big.bin'), big)
    const { stream } = await packDirectory(root)
    let compressed = 0
    let chunks = 0
    for await (const c of stream as AsyncIterable<Buffer>) { compressed += c.length; chunks++ }
    expect(chunks).toBeGreaterThan(1)
    expect(compressed).toBeLessThan(big.length / 10)
  })
})
