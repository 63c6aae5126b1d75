// Aligned text columns for people (no dependency); widths ignore ANSI colour codes.
export type Align = 'left' | 'right'

export interface Column {
  readonly header: string
  readonly align?: Align
}

export interface TableOptions {
  /** Spaces between columns (default 2). */
  readonly gap?: number
  /** Decorates each header cell after it is padded (e.g. dim or bold). */
  readonly formatHeader?: (text: string) => string
}

 
const ANSI = /\u001b\[[0-9;]*m/g

/** The width a string takes on a terminal: its length without colour escapes. */
export function visibleWidth (text: string): number {
  return [...text.replace(ANSI, '')].length
}

function pad (text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(text)))
  return align === 'right' ? fill + text : text + fill
}

/** One line per row under one header line; no trailing spaces; missing cells are empty. */
export function renderTable (columns: readonly Column[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const gap = ' '.repeat(options.gap ?? 2)
  const widths = columns.map((col, i) => Math.max(visibleWidth(col.header), ...rows.map((row) => visibleWidth(row[i] ?? ''))))
  const line = (cells: readonly string[], decorate?: (text: string) => string): string =>
    columns
      .map((col, i) => {
        const padded = pad(cells[i] ?? '', widths[i] ?? 0, col.align ?? 'left')
        return decorate === undefined ? padded : decorate(padded)
      })
      .join(gap)
      .trimEnd()
  return [line(columns.map((col) => col.header), options.formatHeader), ...rows.map((row) => line(row))]
}
