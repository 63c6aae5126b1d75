// Figures: a tarball deploy (`POST /deploy/:user/:app` over the daemon's unix socket) of examples/hello and of an app
// with 22 registry dependencies (bench/fixtures/deploy-deps, `npm ci` from its lockfile), timed from the first byte
// of the upload to the daemon's answer, which comes once every worker runs the new release. sup only: PM2 has none.
import { execFileSync } from 'node:child_process'
import { cpSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getText } from '../lib/http-poll.mjs'
import { now } from '../lib/timing.mjs'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const NA = { text: 'n/a — PM2 has no tarball deploy' }
const FLOOR_NA = { text: 'n/a — no deploy without a supervisor' }

/** POSTs a gzip'd tarball over a unix socket; resolves { status, body } (parsed JSON). */
function upload (socketPath, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', headers: { 'content-type': 'application/gzip', 'content-length': body.length } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        try { resolve({ status: res.statusCode, body: JSON.parse(text) }) } catch { reject(new Error(`deploy answered ${res.statusCode}: ${text.slice(0, 300)}`)) }
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Off the clock: every worker online, none of the old pids left, each port answering with its own pid (and the marker). */
async function checkRolledOut (answer, oldPids, instances, marker) {
  const workers = answer.workers ?? []
  if (workers.length !== instances || workers.some((w) => w.state !== 'online')) throw new Error(`after the deploy: ${workers.map((w) => `${w.pid}:${w.state}`).join(', ')}`)
  const kept = workers.filter((w) => oldPids.includes(w.pid))
  if (kept.length > 0) throw new Error(`pids ${kept.map((w) => w.pid).join(', ')} were not replaced`)
  for (const w of workers) {
    const text = await getText(w.port)
    if (text === null || !text.includes(`pid ${w.pid}`) || (marker !== null && !text.includes(marker))) throw new Error(`port ${w.port} answered ${JSON.stringify(text)}, expected pid ${w.pid}${marker === null ? '' : ` and ${marker}`}`)
  }
  return workers.map((w) => w.pid)
}

/**
 * A deploy figure for the app in `srcDir` (copied to the cluster's home; a `marker.txt` changed every repetition,
 * which `showsMarker` apps print). prepare() boots the daemon and deploys once, off the clock (the app exists,
 * npm's cache — private to the run, in the cluster's home — is warm), then each repetition deploys a new release.
 */
function deployFigure ({ id, number, title, srcDir, showsMarker, method }) {
  return {
    id,
    number,
    title,
    unit: 'ms',
    phase: 'own',
    instances: 4,
    /** 4 workers and 4 spare ports (each replacement starts on a spare one). */
    portBlock: 8,
    tools: ['sup'],
    incomparable: { pm2: NA, floor: FLOOR_NA },
    partUnits: { tarball: 'KB' },
    summaryParts: ['tarball'],
    aim: {
      text: 'every repetition ends with all 4 workers online on the new release (the time is context, no target)',
      needs: ['sup'],
      isMet: (_m, r) => !r.sup.error && r.sup.samples.length > 0
    },
    method,
    async prepare ({ driver, instances, ports, warn }) {
      const cluster = await driver.prepare({ instances, ports, app: { name: id, script: 'server.js', env: {}, sup: [], keepsOutput: false } })
      try {
        const src = join(cluster.home, 'src')
        cpSync(srcDir, src, { recursive: true })
        driver.setEnv(cluster, { npm_config_cache: join(cluster.home, 'npm-cache'), npm_config_update_notifier: 'false' })
        await driver.boot(cluster)
        const state = { cluster, src, socketPath: join(cluster.home, 'sup.sock'), path: `/deploy/bench/${id}?instances=${instances}&portRange=${ports[0]}-${ports.at(-1)}`, pids: [] }
        await deployOnce(state, 'warm-up', instances)
        return state
      } catch (e) {
        for (const w of await driver.stop(cluster)) warn(w)
        throw e
      }
    },
    async sample ({ state, rep }) {
      const { value, size } = await deployOnce(state, `rep-${rep + 1}-${Date.now()}`, state.cluster.instances)
      return { value, parts: { tarball: size / 1024 } }
    },
    async teardown ({ driver, state }) {
      return driver.stop(state.cluster)
    }
  }

  /** One deploy of a new release: the tarball made off the clock, the upload timed to the answer, the result checked. */
  async function deployOnce (state, marker, instances) {
    writeFileSync(join(state.src, 'marker.txt'), `${marker}\n`)
    const body = execFileSync('tar', ['-cz', '-C', state.src, '.'], { maxBuffer: 64 * 1024 ** 2 })
    const t0 = now()
    const res = await upload(state.socketPath, state.path, body)
    const value = now() - t0
    if (res.status !== 200) throw new Error(`deploy answered ${res.status}: ${JSON.stringify(res.body.error ?? res.body).slice(0, 500)}`)
    state.pids = await checkRolledOut(res.body, state.pids, instances, showsMarker ? marker : null)
    return { value, size: body.length }
  }
}

const COMMON = 'One daemon (`sup list` starts it; npm\'s cache set to a dir in its SUP_HOME), then one unmeasured ' +
  'deploy that creates the app with 4 workers (`?instances=4&portRange=P-P+7`: 4 spare ports). Each repetition ' +
  'writes a new `marker.txt` into the app, tars it (`tar -cz`, off the clock), and POSTs it to `/deploy/bench/<app>` ' +
  'over `$SUP_HOME/sup.sock` (node:http, Content-Length). The clock runs from the request\'s start to the daemon\'s ' +
  'answer, which comes after: upload, sha256, checks and extraction into a staging dir, the install, the rename to ' +
  '`releases/<id>`, the rolling replacement of the 4 workers one at a time (each new one started on a spare port ' +
  'from the release dir and ready, then the old one drained and stopped: the default 1 s drain, so 4 s of every deploy are ' +
  'drains), and the switch of `current`. Off the clock: 4 workers online, none of the old pids left, each port answering with its own pid'

export const deployHello = deployFigure({
  id: 'deploy-hello',
  number: 9,
  title: 'tarball deploy of examples/hello (4 workers): upload start to every worker on the new release',
  srcDir: join(ROOT, 'examples/hello'),
  showsMarker: false,
  method: `${COMMON}. The app: \`examples/hello\` (no dependencies, so no npm run).`
})

export const deployDeps = deployFigure({
  id: 'deploy-deps',
  number: 10,
  title: 'tarball deploy of an app with 22 npm dependencies (4 workers, `npm ci`): upload start to every worker on the new release',
  srcDir: join(ROOT, 'bench/fixtures/deploy-deps'),
  showsMarker: true,
  method: `${COMMON} and the new marker. The app: \`bench/fixtures/deploy-deps\` — 22 small registry packages pinned ` +
    'to exact versions (28 packages with their dependencies), a package-lock.json, so the daemon runs `npm ci ' +
    '--omit=dev` from registry.npmjs.org (the tarballs come from the warm private cache after the unmeasured first ' +
    'deploy; npm still asks the registry for nothing it has, but checks nothing either: `npm ci` trusts the lockfile). ' +
    'Each worker `require()`s all 22 at start.'
})
