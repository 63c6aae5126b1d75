// `sup config get|set|unset|list`: the daemon's settings in $SUP_HOME/config.json (docs/config.md).
import type { Command } from 'commander'
import type { ConfigChange, SettingView } from '@sup/client'
import { action, type CliContext } from '../context.ts'
import { CliError } from '../errors.ts'
import { renderTable } from '../render/table.ts'
import { sanitizeLine } from '../render/logs.ts'

const show = (v: string | null): string => v === null ? '(default)' : sanitizeLine(v)
/** The value in effect, the default's when none is set; '' when there is none (the setting is off). */
export const inEffect = (s: SettingView): string => sanitizeLine(s.value ?? s.default ?? '')

/** One line per setting: key, value in effect, where it came from (and what config.json says when the environment wins). */
export function renderSettings (settings: readonly SettingView[]): string[] {
  const rows = settings.map((s) => {
    const from = s.source === 'env' ? `env ${s.env}${s.configValue === null ? '' : ` (config.json: ${show(s.configValue)})`}` : s.source
    const note = s.pending ? `config.json: ${show(s.configValue)}, takes effect at the next \`sup daemon --restart\`` : ''
    return [s.key, inEffect(s) === '' ? '(unset)' : inEffect(s), from, note]
  })
  return renderTable([{ header: 'KEY' }, { header: 'VALUE' }, { header: 'FROM' }, { header: '' }], rows)
}

/** What a set or unset did, in words. */
export function describeChange (c: ConfigChange, verb: 'set' | 'unset'): string[] {
  const s = c.setting
  const head = verb === 'set' ? `${s.key} = ${show(s.configValue)} (written to config.json)` : `${s.key} removed from config.json`
  switch (c.effect) {
    case 'now': return [head, 'the running daemon uses it now']
    case 'restart': return [head, 'takes effect at the next `sup daemon --restart`']
    case 'overridden': return [head, `the running daemon keeps ${s.env}=${show(s.value)} from its environment; config.json is used once a daemon starts without it`]
  }
}

/** Registers `sup config`. */
export function registerConfig (program: Command, ctx: CliContext): void {
  const config = program.command('config').description('the daemon\'s settings (nginx commands, listen address, port pool, deploy limits, npm scripts), kept in $SUP_HOME/config.json')
  config.command('list').description('every setting, its value and where it comes from (environment, config.json, default)')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (opts: { json?: boolean }) => {
      const view = await (await ctx.daemon()).getConfig()
      if (opts.json === true) ctx.json(view)
      else ctx.print([...renderSettings(view.settings), ctx.colors.dim(`file: ${view.path}`)])
    }))
  config.command('get').description('the value of one setting in effect, its default if unset (empty line: none)').argument('<key>')
    .option('--json', 'print the setting as JSON')
    .action(action(ctx, async (key: string, opts: { json?: boolean }) => {
      const view = await (await ctx.daemon()).getConfig()
      const s = view.settings.find((x) => x.key === key)
      if (s === undefined) throw new CliError(`Unknown setting '${key}'`, { code: 'SUP_ERR_CONFIG_KEY', hint: `valid keys: ${view.settings.map((x) => x.key).join(', ')}` })
      if (opts.json === true) ctx.json(s)
      else ctx.print(inEffect(s))
    }))
  config.command('set').description('check a value and write it to config.json (a bad key or value writes nothing)').argument('<key>').argument('<value>')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (key: string, value: string, opts: { json?: boolean }) => {
      const change = await (await ctx.daemon()).setConfig(key, value)
      if (opts.json === true) ctx.json(change)
      else ctx.print(describeChange(change, 'set'))
    }))
  config.command('unset').description('remove a setting from config.json (back to its default)').argument('<key>')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (key: string, opts: { json?: boolean }) => {
      const change = await (await ctx.daemon()).unsetConfig(key)
      if (opts.json === true) ctx.json(change)
      else ctx.print(describeChange(change, 'unset'))
    }))
}
