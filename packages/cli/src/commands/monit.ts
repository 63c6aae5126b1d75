// `sup monit`: a live table of every worker's state, CPU and memory, refreshed in place until q or Ctrl-C.
import type { AppView } from '@sup/client'
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { ENTER_SCREEN, frameToAnsi, LEAVE_SCREEN, renderMonitFrame } from '../render/monit.ts'

/** The terminal `sup monit` draws on (process.stdin/stdout, or fakes in tests). */
export interface MonitTerminal {
  readonly output: { readonly isTTY?: boolean; write (text: string): unknown }
  readonly input: NodeJS.EventEmitter & { readonly isTTY?: boolean; setRawMode? (raw: boolean): unknown; resume (): unknown; pause (): unknown }
}

export interface MonitOptions {
  readonly intervalMs: number
  readonly fetchApps: () => Promise<AppView[]>
  readonly ctx: Pick<CliContext, 'colors'>
  /** Aborting ends the view (SIGINT, SIGTERM). */
  readonly signal: AbortSignal
}

const QUIT_KEYS = new Set(['q', 'Q', '\u0003', '\u0004'])

/** Draws frames until q / Ctrl-C / the signal; on a non-TTY prints one frame and returns. Always restores the terminal. */
export async function runMonit (term: MonitTerminal, opts: MonitOptions): Promise<void> {
  const frame = async (): Promise<string[]> => {
    try { return renderMonitFrame(await opts.fetchApps(), Date.now(), opts.ctx.colors) } catch (err) {
      return renderMonitFrame([], Date.now(), opts.ctx.colors, `daemon did not answer: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  if (term.output.isTTY !== true) {
    const lines = await frame()
    term.output.write(`${lines.slice(0, -2).join('\n')}\n`)
    return
  }
  const done = new AbortController()
  const stop = (): void => done.abort()
  opts.signal.addEventListener('abort', stop, { once: true })
  const onKey = (data: Buffer | string): void => { if ([...String(data)].some((k) => QUIT_KEYS.has(k))) stop() }
  const raw = term.input.isTTY === true && term.input.setRawMode !== undefined
  if (raw) term.input.setRawMode?.(true)
  term.input.on('data', onKey)
  term.input.resume()
  term.output.write(ENTER_SCREEN)
  try {
    while (!done.signal.aborted) {
      const lines = await frame()
      if (done.signal.aborted) break
      term.output.write(frameToAnsi(lines))
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.intervalMs)
        done.signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
      })
    }
  } finally {
    term.output.write(LEAVE_SCREEN)
    term.input.off('data', onKey)
    if (raw) term.input.setRawMode?.(false)
    term.input.pause()
    opts.signal.removeEventListener('abort', stop)
  }
}

/** Registers `sup monit`. */
export function registerMonit (program: Command, ctx: CliContext): void {
  program
    .command('monit')
    .description('live view of every worker: state, uptime, restarts, CPU and memory (q or Ctrl-C to quit)')
    .option('--interval <ms>', 'refresh every this many ms (default 1000)', (v: string) => Math.max(200, Number(v) || 1000))
    .action(action(ctx, async (opts: { interval?: number }) => {
      const client = await ctx.daemon()
      const ac = new AbortController()
      const stop = (): void => ac.abort()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      try {
        await runMonit({ output: process.stdout, input: process.stdin }, {
          intervalMs: opts.interval ?? 1000,
          fetchApps: async () => (await client.listApps()).apps,
          ctx,
          signal: ac.signal
        })
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
    }))
}
