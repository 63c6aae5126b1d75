// A deploy script on @sup/client: deploy a directory, wait for the workers, check each answers HTTP, roll back if not.
//
// Run it (from the repo, after `pnpm install && pnpm build`; a daemon must be running: any `sup` command starts one):
//   npx tsx examples/deploy-script.ts examples/hello --app hello [--instances 2] [--port-range 8000-8001] [--path /] [--expect hello]
// It talks to the daemon of $SUP_HOME (default ~/.sup), or to a daemon's TCP API with SUP_URL=http://127.0.0.1:9002 and
// SUP_TOKEN=<its $SUP_HOME/token>. Exit code 0: the new release serves. 1: the deploy failed (the old release kept
// serving) or the check failed and the app was rolled back. 2: bad arguments.
import { parseArgs } from 'node:util'
import { createClient, isSupClientError, type AppView, type SupClient } from '@sup/client'

const USAGE = 'usage: deploy-script.ts <dir> --app <name> [--user U] [--instances N] [--port-range A-B] [--path /] [--expect TEXT] [--timeout 30000]'

function options () {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        app: { type: 'string' },
        user: { type: 'string' },
        instances: { type: 'string' },
        'port-range': { type: 'string' },
        path: { type: 'string', default: '/' },
        expect: { type: 'string' },
        timeout: { type: 'string', default: '30000' }
      }
    })
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
}

/** GET on each worker's port: a 200 whose body holds `expect` (when given), within 2 s. Returns what went wrong. */
async function checkWorkers (app: AppView, path: string, expect: string | undefined): Promise<string[]> {
  const problems: string[] = []
  for (const w of app.workers) {
    const url = `http://127.0.0.1:${w.port ?? 0}${path}`
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      const body = await res.text()
      if (res.status !== 200) problems.push(`worker ${w.instance} (${url}) answered HTTP ${res.status}`)
      else if (expect !== undefined && !body.includes(expect)) problems.push(`worker ${w.instance} (${url}) answered without '${expect}'`)
    } catch (err) {
      problems.push(`worker ${w.instance} (${url}): ${(err as Error).message}`)
    }
  }
  return problems
}

/** Back to the release that served before this deploy (none on a first deploy: the app is stopped instead). */
async function rollBack (sup: SupClient, app: string, previous: string | undefined): Promise<void> {
  if (previous === undefined) {
    await sup.stopApp(app)
    console.error(`no earlier release of ${app}: stopped it`)
    return
  }
  const back = await sup.rollback(app, previous)
  console.error(`rolled back ${app} to release ${back.release.id}`)
}

async function main (): Promise<number> {
  const { values: o, positionals } = options()
  const dir = positionals[0]
  if (dir === undefined || o.app === undefined) { console.error(USAGE); return 2 }
  const app = o.app
  const timeoutMs = Number(o.timeout)
  const url = process.env.SUP_URL
  const sup = url === undefined || url === '' ? createClient() : createClient({ url, token: process.env.SUP_TOKEN ?? '' })

  const previous = (await sup.releases(app)).releases.find((r) => r.current)?.id
  let deployed
  try {
    deployed = await sup.deploy(dir, {
      app,
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(o.instances === undefined ? {} : { instances: o.instances }),
      ...(o['port-range'] === undefined ? {} : { portRange: o['port-range'] }),
      onSkip: (s) => console.error(`left out ${s.path}: ${s.reason}`)
    })
  } catch (err) {
    if (!isSupClientError(err)) throw err
    // Nothing was switched: the old release (if any) keeps serving.
    console.error(`deploy failed: ${err.code}: ${err.message}`)
    for (const line of err.output ?? []) console.error(`  | ${line}`)
    return 1
  }
  console.log(`deployed ${app} release ${deployed.release.id} (sha256 ${deployed.release.sha256.slice(0, 12)}, ${deployed.release.size} bytes)`)

  let problems: string[]
  try {
    const view = await sup.waitFor(app, 'online', { timeoutMs })
    problems = await checkWorkers(view, o.path, o.expect)
  } catch (err) {
    if (!isSupClientError(err)) throw err
    problems = [err.message]
  }
  if (problems.length === 0) {
    console.log(`${app}: ${deployed.workers.length} worker(s) online and answering`)
    return 0
  }
  for (const p of problems) console.error(`check failed: ${p}`)
  await rollBack(sup, app, previous)
  return 1
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(isSupClientError(err) ? `${err.code}: ${err.message}${err.hint === undefined ? '' : `\nhint: ${err.hint}`}` : err)
  process.exitCode = 1
})
