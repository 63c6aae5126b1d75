// `sup startup [--install] [--user]`: the systemd unit that keeps the daemon (and so the apps) running across reboots.
import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { homedir, userInfo } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { action, type CliContext } from '../context.ts'
import { CliError } from '../errors.ts'
import { installCommands, renderUnit, unitFilePath, type UnitScope } from '../systemd-unit.ts'

/** packages/cli/bin/sup.js: next to bundle/ when bundled, two levels up from src/commands/ in development. */
export function resolveCliBin (moduleUrl: string = import.meta.url): string {
  const candidates = ['../bin/sup.js', '../../bin/sup.js'].map((rel) => fileURLToPath(new URL(rel, moduleUrl)))
  return candidates.find((p) => existsSync(p)) ?? candidates[0] ?? ''
}

async function writeAtomically (path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode: 0o644 })
  await rename(tmp, path)
}

/** Registers `sup startup`. */
export function registerStartup (program: Command, ctx: CliContext): void {
  program
    .command('startup')
    .description('print a systemd unit running `sup daemon` (Restart=always, workers kept when it restarts); --install writes it')
    .option('--install', 'write it to /etc/systemd/system/sup.service (~/.config/systemd/user/sup.service with --user)')
    .option('--user', 'a unit of your own systemd user manager instead of the system one')
    .action(action(ctx, async (opts: { install?: boolean; user?: boolean }) => {
      const scope: UnitScope = opts.user === true ? 'user' : 'system'
      const me = userInfo()
      const isRoot = me.uid === 0
      const unit = renderUnit({ nodePath: process.execPath, cliPath: resolveCliBin(), home: ctx.home, scope, runAs: isRoot ? undefined : me.username })
      const path = unitFilePath(scope, { homeDir: homedir(), xdgConfigHome: ctx.env.XDG_CONFIG_HOME })
      const commands = installCommands(scope, { isRoot, userName: me.username })
      if (opts.install !== true) {
        ctx.print(unit.trimEnd())
        const manual = scope === 'user' ? `sup startup --user > ${path}` : `sup startup | sudo tee ${path}`
        ctx.warn([`# to install: sup startup --install${scope === 'user' ? ' --user' : ''}  (or: ${manual}), then:`, ...commands.map((c) => `#   ${c}`)])
        return
      }
      try {
        await writeAtomically(path, unit)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        throw new CliError(`Cannot write ${path}: ${code ?? String(err)}`, {
          code: 'SUP_ERR_STARTUP_WRITE',
          hint: code === 'EACCES' || code === 'EPERM' ? `run: sup startup | sudo tee ${path} >/dev/null   (or use --user)` : undefined,
          cause: err
        })
      }
      ctx.print([`wrote ${path}`, 'now run:', ...commands.map((c) => `  ${c}`),
        'A daemon already running is taken over without stopping any app (`sup daemon --replace`).'])
    }))
}
