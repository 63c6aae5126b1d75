// Figure: wall time of the tool's machine-readable list command.
import { runCommand } from '../lib/proc.mjs'

const TIMEOUT_MS = 15_000

async function runList ({ file, args, env, check }) {
  const r = await runCommand(file, args, { env, timeoutMs: TIMEOUT_MS })
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').pop()}`)
  check(r.stdout)
  return r.ms
}

export const listLatency = {
  id: 'list-latency',
  number: 3,
  title: '`sup list --json` wall time (4 workers)',
  unit: 'ms',
  phase: 'warm',
  aim: { text: 'sup ≤ 1.3x floor', needs: ['sup', 'floor'], isMet: ({ sup, floor }) => sup <= 1.3 * floor },
  method: 'Wall time from spawning the command to its exit, on a running 4-worker cluster; one ' +
    'unmeasured run first (file cache). sup: `node packages/cli/bin/sup.js list --json`; PM2: ' +
    '`node node_modules/pm2/bin/pm2 jlist`; floor: `node -e \'\'`. Every run must exit 0 and ' +
    '(sup, PM2) its JSON must list the 4 workers.',
  /** The unmeasured first run. */
  async prepare ({ driver, cluster }) {
    const command = driver.listCommand(cluster)
    await runList(command)
    return { command }
  },
  async sample ({ state }) {
    return { value: await runList(state.command) }
  }
}
