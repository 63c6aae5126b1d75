// The sup home, computed as the client computes it, by the CLI's short paths (bin/sup.js) that load no client.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** `$SUP_HOME` made absolute, else ~/.sup (`@sup/client` defaultHome). */
export function homeOf (env: NodeJS.ProcessEnv): string {
  const home = env.SUP_HOME
  return home === undefined || home === '' ? join(homedir(), '.sup') : resolve(home)
}
