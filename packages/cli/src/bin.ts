// The whole `sup` program (bundled by tsup into bundle/bin.js): builds the commander program and runs it. bin/sup.js
// loads it for every command line but a plain `sup list` (plain-list.ts).
import { SUP_VERSION } from '@sup/protocol/version'
import { Command } from 'commander'
import { registerDaemon } from './commands/daemon.ts'
import { registerDelete } from './commands/delete.ts'
import { registerEvents } from './commands/events.ts'
import { registerKill } from './commands/kill.ts'
import { registerList } from './commands/list.ts'
import { registerLogs } from './commands/logs.ts'
import { registerRestart } from './commands/restart.ts'
import { registerReload } from './commands/reload.ts'
import { registerNginx } from './commands/nginx.ts'
import { registerScale } from './commands/scale.ts'
import { registerShow } from './commands/show.ts'
import { registerStart } from './commands/start.ts'
import { registerStartup } from './commands/startup.ts'
import { registerStop } from './commands/stop.ts'
import { registerDeploy } from './commands/deploy.ts'
import { registerReleases } from './commands/releases.ts'
import { registerRollback } from './commands/rollback.ts'
import { registerMonit } from './commands/monit.ts'
import { registerAppTools } from './commands/app-tools.ts'
import { registerConfig } from './commands/config.ts'
import { createContext } from './context.ts'
import { exitQuietlyOnEpipe } from './stdout-epipe.ts'
import { pm2Hint } from './pm2-hints.ts'

/** The `sup` program for one run; commands report their own failures through the context (exit code 1). */
function createProgram (ctx = createContext()): Command {
  const program = new Command('sup')
    .description('sup: a process supervisor and cluster manager for Node.js services')
    .version(SUP_VERSION, '-v, --version')
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => { write(text + pm2Hint(text)) } })
  for (const register of [registerStart, registerList, registerShow, registerStop, registerRestart, registerReload, registerNginx, registerDelete, registerScale, registerLogs, registerEvents, registerDaemon, registerKill, registerStartup, registerDeploy, registerReleases, registerRollback, registerMonit, registerConfig, registerAppTools]) {
    register(program, ctx)
  }
  program.addHelpText('after', '\nSUP_HOME (default ~/.sup) selects the daemon; any command but `kill` starts one when none answers.')
  return program
}

exitQuietlyOnEpipe()
await createProgram().parseAsync(process.argv)
