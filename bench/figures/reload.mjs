// Figure: a rolling reload of 4 workers under a steady HTTP load — failed requests and wall time.
// sup: `sup reload` behind a real nginx that includes sup's live upstream file; PM2: `pm2 reload` in
// cluster mode, the load on its shared port (PM2 has no nginx integration).
import { join } from 'node:path'
import { waitForAllAnswer, waitForAnswer } from '../lib/http-poll.mjs'
import { startLoad } from '../lib/load.mjs'
import { nginxBinary, startNginx } from '../lib/nginx.mjs'
import { deadlineIn, sleep } from '../lib/timing.mjs'

const START_DEADLINE_MS = 30_000
/** Load before the reload starts and after it returned. */
const LOAD_MARGIN_MS = 1_000

/** Every pid listed before is gone from the list after (the reload replaced every worker). */
function checkReplaced (before, after) {
  const kept = after.filter((w) => before.some((b) => b.pid === w.pid))
  if (kept.length > 0) throw new Error(`pids ${kept.map((w) => w.pid).join(', ')} were not replaced`)
  const notOnline = after.filter((w) => w.state !== 'online')
  if (notOnline.length > 0) throw new Error(`after the reload: ${notOnline.map((w) => `${w.pid}:${w.state}`).join(', ')}`)
}

export const reload = {
  id: 'reload',
  number: 8,
  title: 'rolling reload of 4 workers under load: failed requests (and reload wall time)',
  unit: 'failed requests',
  phase: 'own',
  instances: 4,
  /** sup's range: 4 workers and 4 spare ports (a replacement starts on a spare one); PM2 uses the first port. */
  portBlock: 8,
  tools: ['sup', 'pm2'],
  summaryParts: ['reload ms', 'requests', 'keep-alive resets', 'keep-alive requests'],
  partUnits: { 'reload ms': 'ms', requests: '', 'keep-alive resets': '', 'keep-alive requests': '' },
  aim: {
    text: 'sup: zero failed requests in every repetition (PM2 for comparison)',
    needs: ['sup'],
    isMet: (_m, r) => !r.sup.error && r.sup.samples.length > 0 && r.sup.samples.every((v) => v === 0)
  },
  method: 'One cluster per tool, up before the first repetition and kept across them. sup: `sup start ' +
    'examples/hello/server.js -n 4 --port-range P-P+7` (4 spare ports) with the daemon driving a private nginx ' +
    '(1.22, one worker, `proxy_next_upstream error timeout http_502`, upstream file included from ' +
    '`$SUP_HOME/nginx`), the load sent to nginx. PM2: `pm2 start` of an ecosystem file with `exec_mode: cluster`, ' +
    '`instances: 4`, PORT=P, the load sent to P. Each repetition: a load of 8 concurrent loops of `GET /`, ' +
    'each request on its own connection (`Connection: close`), for 1 s, then the reload command (`sup reload ' +
    'hello` / `pm2 reload hello`, timed from spawn to exit: "reload ms"), then 1 s more of load. The figure is ' +
    'the number of requests that failed (a non-2xx answer, a reset, a refused connection, a 5 s timeout); ' +
    '"requests" is how many succeeded. Beside it, 4 loops share a keep-alive Agent (4 reused connections, no ' +
    'retry): "keep-alive resets" counts their failed requests (resets of connections an nginx reload closed), ' +
    '"keep-alive requests" their successes. Off the clock every worker pid must have changed and be online.',
  async prepare ({ driver, instances, ports, warn }) {
    if (driver.id === 'sup') {
      if (nginxBinary() === null) throw new Error('nginx is not installed (apt-get install -y nginx-light)')
      const cluster = await driver.prepare({ instances, ports })
      const nginxPort = await freePortOutside(ports)
      const nginx = await startNginx({ dir: join(cluster.home, 'nginx-prefix'), includeDir: join(cluster.home, 'nginx'), app: cluster.app.name, port: nginxPort })
      try {
        // the daemon (started by the first command) runs nginx's test and reload commands
        driver.setEnv(cluster, nginx.env)
        await driver.start(cluster)
        await waitForAnswer(nginxPort, deadlineIn(START_DEADLINE_MS))
        return { cluster, nginx, loadPort: nginxPort }
      } catch (e) {
        for (const w of await driver.stop(cluster)) warn(w)
        await nginx.stop()
        throw e
      }
    }
    const cluster = await driver.prepare({ instances, ports, mode: 'cluster' })
    try {
      await driver.start(cluster)
      await waitForAllAnswer([ports[0]], deadlineIn(START_DEADLINE_MS))
      return { cluster, loadPort: ports[0] }
    } catch (e) {
      for (const w of await driver.stop(cluster)) warn(w)
      throw e
    }
  },
  async sample ({ driver, state }) {
    const before = (await driver.listWorkers(state.cluster)).workers
    const load = startLoad(state.loadPort, { maxMs: 120_000 })
    // beside it, 4 clients reusing keep-alive connections: each nginx reload closes their idle connections
    const kept = startLoad(state.loadPort, { maxMs: 120_000, concurrency: 4, keepAlive: true })
    await sleep(LOAD_MARGIN_MS)
    const { ms } = await driver.reload(state.cluster)
    await sleep(LOAD_MARGIN_MS)
    const result = await load.stop()
    const keptResult = await kept.stop()
    checkReplaced(before, (await driver.listWorkers(state.cluster)).workers)
    if (result.failures.length > 0) process.stderr.write(`[reload ${driver.id}] failures: ${result.failures.join(', ')}\n`)
    return { value: result.failed, parts: { 'reload ms': ms, requests: result.ok, 'keep-alive resets': keptResult.failed, 'keep-alive requests': keptResult.ok } }
  },
  async teardown ({ driver, state }) {
    const warnings = await driver.stop(state.cluster)
    await state.nginx?.stop()
    return warnings
  }
}

/** A free loopback port for nginx, not one of the cluster's. */
async function freePortOutside (ports) {
  const { createServer } = await import('node:net')
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
    })
    if (!ports.includes(port)) return port
  }
}
