// `sup deploy [dir] --app <name>`: tars the directory (ignore rules applied), streams it to the daemon, prints the release.
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { isSupClientError } from '@sup/client'
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { CliError } from '../errors.ts'
import { createProgressLine } from '../render/progress.ts'
import { renderDeployResult } from '../render/releases.ts'
import { addRemoteOptions, clientFor, type RemoteFlags } from '../remote.ts'

interface DeployFlags extends RemoteFlags { app: string; user?: string; instances?: string; portRange?: string; json?: boolean }

/** A deploy onto an app that exists under another owner says what to do in deploy terms. */
function explain (err: unknown, app: string): unknown {
  if (!isSupClientError(err, 'SUP_ERR_APP_EXISTS')) return err
  return new CliError(err.message, {
    code: err.code,
    cause: err,
    hint: `'${app}' was started with \`sup start\` or deployed as another --user: pass that --user (see \`sup releases ${app}\`), pick another --app, or \`sup delete ${app}\` first`
  })
}

/** Registers `sup deploy`. */
export function registerDeploy (program: Command, ctx: CliContext): void {
  const cmd = program
    .command('deploy')
    .description('deploy a directory: tar it (.gitignore and .supignore apply; node_modules and .git are left out), upload it, roll the app onto it')
    .argument('[dir]', 'the directory to deploy', '.')
    .requiredOption('--app <name>', 'the app to deploy to (created on the first deploy)')
    .option('--user <name>', 'the owner folder under $SUP_HOME/apps/ (default: the app\'s, else `default`)')
    .option('-n, --instances <N>', "number of workers (default: package.json's sup.instances, else the app's, else 1)")
    .option('--port-range <from-to>', "ports for the workers (default: package.json's sup.portRange, else the app's)")
    .option('--json', 'print the DeployResult as JSON')
  addRemoteOptions(cmd)
    .addHelpText('after', '\nThe daemon installs dependencies (npm ci --omit=dev with a lockfile), starts the new release\'s workers and\n' +
      'switches to them only once they are ready: on failure the old release keeps serving and the new workers\' output is printed.')
    .action(action(ctx, async (dirArg: string, flags: DeployFlags) => {
      const dir = resolve(ctx.cwd, dirArg)
      const client = await clientFor(ctx, flags)
      const progress = process.stderr.isTTY
        ? createProgressLine({ now: () => performance.now(), write: (t) => { process.stderr.write(t) } })
        : undefined
      let result
      try {
        result = await client.deploy(dir, {
          app: flags.app,
          ...(flags.user === undefined ? {} : { user: flags.user }),
          ...(flags.instances === undefined ? {} : { instances: flags.instances }),
          ...(flags.portRange === undefined ? {} : { portRange: flags.portRange }),
          onProgress: (sent) => progress?.update(sent),
          onSkip: (s) => ctx.warn(`sup: left out ${s.path}: ${s.reason}`),
          onWarn: (message) => ctx.warn(`sup: tar: ${message}`)
        })
      } catch (err) {
        throw explain(err, flags.app)
      } finally {
        progress?.done()
      }
      if (flags.json === true) ctx.json(result)
      else ctx.print(renderDeployResult('deployed', result, Date.now(), ctx.colors))
    }))
}
