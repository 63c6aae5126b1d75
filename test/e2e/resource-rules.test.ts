// e2e: memory and CPU rules restart the right worker (zero-downtime through nginx), spikes do not; /metrics; cron; monit.
import { readFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppList, AppView, EventView } from '../../packages/protocol/src/index.ts'
import { createClient } from '../../packages/client/src/index.ts'
import { FIXTURES, freePortRange, httpGet, killPid, parsePromText, requireNginx, runSup, startLoad, startNginx, supJson, useSupHome, waitFor } from '@sup/test-support'

const MB = 1024 * 1024
const HOG = `${FIXTURES}/hog.js`
const hasNginx = requireNginx()

/** Starts `hog.js` as `name`; returns the view. */
async function startHog (home: string, name: string, n: number, extra: string[], env: Record<string, string> = {}): Promise<AppView> {
  const range = await freePortRange(n * 2)
  const r = await runSup(home, ['start', HOG, '-n', String(n), '--name', name, '--port-range', range.range, ...extra], { env })
  expect(r.code, r.stderr).toBe(0)
  return supJson<AppView>(home, ['show', name])
}

const eventsOf = async (home: string, app: string, type: string): Promise<EventView[]> =>
  (await createClient({ home }).listEvents({ app, limit: 1000 })).events.filter((e) => e.type === type)

interface RuleData { pid: number; rules: Array<{ rule: string; limit: number; over: string; values: number[] }> }

describe.skipIf(!hasNginx)('memory rule through nginx', () => {
  it('--max-memory 100M --over 3/5: the worker holding 200 MB is replaced within about 3 samples, the others untouched, zero failed requests', async () => {
    const home = useSupHome()
    const nginx = await startNginx({ dir: `${home}/nginx-prefix`, includeGlob: `${home}/nginx/*.conf`, app: 'web' })
    onTestFinished(() => nginx.stop())
    const env = { SUP_NGINX_RELOAD: nginx.reloadCommand.join(' '), SUP_NGINX_TEST: nginx.testCommand.join(' ') }
    const before = await startHog(home, 'web', 3, ['--max-memory', '100M', '--over', '3/5', '--drain', '500ms'], env)
    const client = createClient({ home })
    await waitFor(async () => (await httpGet(nginx.port)).status === 200, { what: 'nginx to route to the app' })
    await waitFor(async () => (await client.getApp('web')).workers.every((w) => w.memory !== undefined), { what: 'first samples' })
    const load = startLoad(nginx.port, { maxMs: 30_000 })
    await waitFor(() => load.result.ok > 100, { what: 'load to run' })

    const victim = before.workers[1]
    const allocatedAt = Date.now()
    expect((await httpGet(victim?.port ?? 0, '/alloc?mb=200', 10_000)).status).toBe(200)
    const [fired] = await waitFor(async () => { const e = await eventsOf(home, 'web', 'rule-restart'); return e.length > 0 ? e : null }, { timeoutMs: 15_000, what: 'the rule to fire' })
    // 3 samples over the limit at 1 s, plus up to one interval before the first of them
    expect(fired?.time ?? 0).toBeLessThan(allocatedAt + 5_500)
    expect(fired?.instance).toBe(1)
    expect(fired?.reason).toMatch(/memory above 100\.0M in [345] of the last [3-5] samples/)
    const data = fired?.data as unknown as RuleData
    expect(data.pid).toBe(victim?.pid)
    expect(data.rules[0]).toMatchObject({ rule: 'memory', limit: 100 * MB, over: '3/5' })
    expect(data.rules[0]?.values.filter((v) => v > 100 * MB).length).toBeGreaterThanOrEqual(3)

    const after = await waitFor(async () => {
      const v = await client.getApp('web')
      const w = v.workers[1]
      return w?.state === 'online' && w.pid !== victim?.pid && v.workers.every((x) => x.state === 'online') ? v : null
    }, { timeoutMs: 15_000, what: 'the replacement online' })
    const n = load.result.ok
    await waitFor(() => load.result.ok > n + 100, { what: 'more load after the replacement' })
    const result = await load.stop()
    if (result.failures.length > 0) console.error(readFileSync(nginx.errorLog, 'utf8').split('\n').slice(-20).join('\n'))
    expect(result.failures).toEqual([])
    expect(after.workers[0]?.pid).toBe(before.workers[0]?.pid)
    expect(after.workers[2]?.pid).toBe(before.workers[2]?.pid)
    expect(await eventsOf(home, 'web', 'rule-restart')).toHaveLength(1)
  })
})

describe('resource rules', () => {
  it('a single spike over the limit (one sample) does not restart the worker; the samples show it', async () => {
    const home = useSupHome()
    const before = await startHog(home, 'spiky', 1, ['--max-memory', '100M', '--over', '3/5'])
    const client = createClient({ home })
    await waitFor(async () => ((await client.samples('spiky')).workers[0]?.samples.length ?? 0) >= 2, { what: 'samples' })
    // A child of the worker holds 200 MB until a sample has seen it, and is killed then: the next sample comes one
    // interval (1 s) later, so exactly one saw the spike. (A child that held them 600 ms was seen by chance: on a busy
    // box 6 such spikes in a row could all fall between two samples.)
    const over = async (): Promise<number> => ((await client.samples('spiky')).workers[0]?.samples ?? []).filter((x) => x.memory > 100 * MB).length
    const child = Number((await httpGet(before.workers[0]?.port ?? 0, '/child?mb=200', 10_000)).body)
    expect(child).toBeGreaterThan(0)
    await waitFor(async () => (await over()) > 0, { intervalMs: 50, what: 'a sample to see the spike' })
    killPid(child, 'SIGKILL')
    expect(await over()).toBe(1)
    // Five more samples: the window of 5 holds that one spike and nothing else over the limit
    const sawAt = Date.now()
    await waitFor(() => Date.now() > sawAt + 5_500 ? true : null, { timeoutMs: 7_000, intervalMs: 250, what: 'five more samples' })
    expect(await over()).toBe(1)
    expect(await eventsOf(home, 'spiky', 'rule-restart')).toEqual([])
    expect((await client.getApp('spiky')).workers[0]?.pid).toBe(before.workers[0]?.pid)
  })

  it('--max-cpu 50 --over 5: a worker spinning a core is restarted; one at 30 % is not', async () => {
    const home = useSupHome()
    const spin = await startHog(home, 'spin', 1, ['--max-cpu', '50', '--over', '5'], {}).catch(() => null)
    expect(spin).not.toBeNull()
    const r = await runSup(home, ['start', HOG, '--name', 'calm', '--port-range', (await freePortRange(2)).range, '--max-cpu', '50', '--over', '5', '--env', 'CPU_DUTY=0.3'])
    expect(r.code, r.stderr).toBe(0)
    const calm = await supJson<AppView>(home, ['show', 'calm'])
    expect((await httpGet(spin?.workers[0]?.port ?? 0, '/cpu?duty=1')).status).toBe(200)
    const [fired] = await waitFor(async () => { const e = await eventsOf(home, 'spin', 'rule-restart'); return e.length > 0 ? e : null }, { timeoutMs: 20_000, what: 'the CPU rule to fire' })
    const data = fired?.data as unknown as RuleData
    expect(data.rules[0]).toMatchObject({ rule: 'cpu', limit: 50, over: '5/5' })
    expect(data.rules[0]?.values.every((v) => v > 50)).toBe(true)
    // The replacement does not spin (duty comes from the request, not the env): stop the load on the box now
    await waitFor(async () => { const w = (await createClient({ home }).getApp('spin')).workers[0]; return w?.state === 'online' && w.pid !== spin?.workers[0]?.pid }, { what: 'the replacement' })
    const calmNow = await createClient({ home }).getApp('calm')
    expect(calmNow.workers[0]?.pid).toBe(calm.workers[0]?.pid)
    expect(calmNow.workers[0]?.cpu ?? 0).toBeGreaterThan(10)
    expect(await eventsOf(home, 'calm', 'rule-restart')).toEqual([])
  })

  it('the memory of a worker\'s child process counts toward its tree (sup list shows it)', async () => {
    const home = useSupHome()
    const v = await startHog(home, 'parent', 1, [])
    const client = createClient({ home })
    const first = await waitFor(async () => (await client.getApp('parent')).workers[0]?.memory, { what: 'a sample' })
    await httpGet(v.workers[0]?.port ?? 0, '/child?mb=150', 10_000)
    await waitFor(async () => ((await client.getApp('parent')).workers[0]?.memory ?? 0) > first + 130 * MB, { what: 'the child counted' })
    const list = await runSup(home, ['list'])
    expect(list.stdout).toMatch(/parent\s+0\s+\d+\s+\d+\s+online\s+\S+\s+0\s+[\d.]+%\s+(1[5-9]\d|[2-9]\d\d)\.\dM/)
  })

  it('GET /metrics is valid Prometheus text and its restart counters match `sup list --json`', async () => {
    const home = useSupHome()
    const v = await startHog(home, 'metered', 2, [])
    killPid(v.workers[1]?.pid ?? 0, 'SIGKILL')
    const client = createClient({ home })
    await waitFor(async () => { const w = (await client.getApp('metered')).workers[1]; return w?.state === 'online' && w.pid !== v.workers[1]?.pid && w.memory !== undefined }, { what: 'the worker back and sampled' })
    const { families, samples } = parsePromText(await client.metrics())
    const list = await supJson<AppList>(home, ['list'])
    const workers = list.apps.find((a) => a.name === 'metered')?.workers ?? []
    expect(workers.map((w) => w.restarts)).toEqual([0, 1])
    for (const w of workers) {
      const s = samples.find((x) => x.name === 'sup_worker_restarts_total' && x.labels.app === 'metered' && x.labels.instance === String(w.instance))
      expect(s?.value).toBe(w.restarts)
    }
    expect(families.get('sup_worker_restarts_total')?.type ?? families.get('sup_worker_restarts')?.type).toBe('counter')
    expect(samples.find((x) => x.name === 'sup_app_online_workers' && x.labels.app === 'metered')?.value).toBe(2)
    expect(samples.find((x) => x.name === 'sup_worker_memory_bytes' && x.labels.instance === '0')?.value).toBeGreaterThan(10 * MB)
    expect(samples.find((x) => x.name === 'sup_daemon_process_resident_memory_bytes')?.value).toBeGreaterThan(0)
    // `sup monit` with stdout not a TTY prints one frame and exits
    const monit = await runSup(home, ['monit'], { timeoutMs: 10_000 })
    expect(monit.code, monit.stderr).toBe(0)
    expect(monit.stdout).toMatch(/metered\s+all\s+2\/2 online/)
    expect(monit.stdout).not.toContain('\u001b[')
    // `sup show` prints the last minute of samples
    expect((await runSup(home, ['show', 'metered'])).stdout).toMatch(/#0 pid \d+ {2}\d+ samples, every 1000 ms\n {2}cpu {2}\S+ {2}now/)
  })

  it('--cron-restart: a scheduled rolling restart replaces every worker', async () => {
    const home = useSupHome()
    const v = await startHog(home, 'nightly', 2, ['--cron-restart', '*/5 * * * * *', '--drain', '100ms'])
    const client = createClient({ home })
    await waitFor(async () => (await eventsOf(home, 'nightly', 'reloaded')).length > 0, { timeoutMs: 25_000, what: 'a scheduled restart' })
    expect((await eventsOf(home, 'nightly', 'cron-restart'))[0]?.reason).toContain('*/5 * * * * *')
    const after = await client.getApp('nightly')
    for (const w of after.workers) expect(v.workers.map((x) => x.pid)).not.toContain(w.pid)
    await runSup(home, ['delete', 'nightly'])
  })
})
