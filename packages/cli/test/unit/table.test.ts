// Aligned columns without a dependency; colour codes do not count towards widths.
import { describe, expect, it } from 'vitest'
import { renderTable, visibleWidth } from '../../src/render/table.ts'

describe('renderTable', () => {
  it('aligns columns left or right, with no trailing spaces', () => {
    const lines = renderTable([{ header: 'app' }, { header: 'pid', align: 'right' }, { header: 'state' }], [
      ['api', '123', 'online'],
      ['worker-long', '7', 'errored']
    ])
    expect(lines).toEqual([
      'app          pid  state',
      'api          123  online',
      'worker-long    7  errored'
    ])
  })

  it('ignores ANSI colour codes when measuring', () => {
    const red = (s: string): string => `\u001b[31m${s}\u001b[39m`
    const lines = renderTable([{ header: 'state' }, { header: 'n', align: 'right' }], [[red('errored'), '1'], ['online', '10']])
    expect(lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual(['state     n', 'errored   1', 'online   10'])
  })

  it('pads missing cells and decorates headers', () => {
    const lines = renderTable([{ header: 'a' }, { header: 'b' }], [['x']], { gap: 1, formatHeader: (s) => s.toUpperCase() })
    expect(lines).toEqual(['A B', 'x'])
  })

  it('prints just the header for no rows', () => {
    expect(renderTable([{ header: 'app' }, { header: '#' }], [])).toEqual(['app  #'])
  })
})

describe('visibleWidth', () => {
  it('counts characters, not escapes or UTF-16 units', () => {
    expect(visibleWidth('\u001b[2mabc\u001b[22m')).toBe(3)
    expect(visibleWidth('->')).toBe(2)
  })
})
