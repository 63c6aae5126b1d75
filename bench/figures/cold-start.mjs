// Figure: `start -n 4` with no daemon running, until all 4 ports answer HTTP.
import { waitForAllAnswer } from '../lib/http-poll.mjs'
import { now } from '../lib/timing.mjs'

const DEADLINE_MS = 30_000

export const coldStart = {
  id: 'cold-start',
  number: 1,
  title: '`start -n 4`, no daemon running, until all 4 ports answer',
  unit: 'ms',
  phase: 'cold',
  aim: { text: 'sup < 0.4x PM2', needs: ['sup', 'pm2'], isMet: ({ sup, pm2 }) => sup < 0.4 * pm2 },
  method: 'Fresh state dir and no daemon each repetition. The clock starts before the start ' +
    'command is spawned and stops when the command has exited AND all 4 ports have answered ' +
    '`GET /` (polled every 5 ms from the start, concurrently). sup: `sup start server.js -n 4 ' +
    '--port-range P-P+3`; PM2: `pm2 start ecosystem.config.cjs` (fork mode, `instances: 4`, ' +
    '`increment_var: PORT`); floor: 4 `node server.js` spawned directly. Everything is stopped ' +
    '(`sup kill`, `pm2 kill`, kill by pid) and the ports are free again before the next repetition.',
  /** One sample: resolves { value, parts: { command, ports } } in ms. */
  async sample ({ driver, ports, instances, warn }) {
    const cluster = await driver.prepare({ instances, ports })
    const abort = new AbortController()
    try {
      const t0 = now()
      const polled = waitForAllAnswer(ports, t0 + DEADLINE_MS, { signal: abort.signal })
      polled.catch(() => {})
      await driver.start(cluster)
      const commandAt = now()
      const { at: portsAt } = await polled
      return { value: Math.max(commandAt, portsAt) - t0, parts: { command: commandAt - t0, ports: portsAt - t0 } }
    } finally {
      abort.abort()
      for (const w of await driver.stop(cluster)) warn(w)
    }
  }
}
