// The /proc sampler against real processes: a worker's tree (children included), CPU of a spinning thread, gone pids.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createProcSampler } from '../../src/adapters/proc-sampler.ts'
import { descendantsOf, readParents } from '../../src/adapters/proc-tree.ts'
import { freePortRange, httpGet, waitFor } from '../../../../test/support/src/index.ts'
import { killOnFinish, uniqueMarker } from './adapter-support.ts'

const HOG = fileURLToPath(new URL('../../../../test/fixtures/hog.js', import.meta.url))
const MB = 1024 * 1024
/** USER_HZ: the unit of /proc/<pid>/stat's CPU times (100 on every usual Linux). */
const TICKS_PER_S = 100

/** utime + stime of a process (all its threads), in clock ticks. */
function cpuTicks (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // from field 3 (state) on
  return Number(fields[11]) + Number(fields[12]) // fields 14 and 15
}

/** hog.js on a free port (its children killed with it when the test ends). */
async function startHog (env: Record<string, string> = {}): Promise<{ pid: number; port: number }> {
  const { from: port } = await freePortRange(1)
  const marker = uniqueMarker('hog')
  const child = spawn(process.execPath, [HOG], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '', PORT: String(port), SUP_MARKER: marker, ...env } })
  killOnFinish(marker, () => [child.pid])
  if (child.pid === undefined) throw new Error('spawn failed')
  await waitFor(async () => (await httpGet(port)).status === 200, { what: 'hog to listen' })
  return { pid: child.pid, port }
}

describe('proc sampler', () => {
  it('counts the memory of a worker\'s child process toward its tree', async () => {
    const hog = await startHog()
    const sampler = createProcSampler()
    const alone = (await sampler.sample([hog.pid])).get(hog.pid)
    expect(alone?.pids).toBe(1)
    const childPid = Number((await httpGet(hog.port, '/child?mb=120', 10_000)).body)
    expect(descendantsOf([hog.pid], readParents()).get(hog.pid)).toContain(childPid)
    const tree = (await sampler.sample([hog.pid])).get(hog.pid)
    expect(tree?.pids).toBe(2)
    expect((tree?.memory ?? 0) - (alone?.memory ?? 0)).toBeGreaterThan(100 * MB)
  })

  it('measures a thread spinning a core at the CPU it really got, and an idle worker as low, in one call', async () => {
    const [busy, idle] = await Promise.all([startHog({ CPU_DUTY: '1' }), startHog()])
    const sampler = createProcSampler()
    await sampler.sample([busy.pid, idle.pid])
    let before = { ticks: cpuTicks(busy.pid), at: performance.now() }
    const seen: Array<{ busy: number; truth: number; idle: number }> = []
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const s = await sampler.sample([busy.pid, idle.pid])
      const after = { ticks: cpuTicks(busy.pid), at: performance.now() }
      // what the spinner got in the same window, from the kernel's own count (a busy CI box gives it less than a core)
      seen.push({ busy: s.get(busy.pid)?.cpu ?? -1, truth: ((after.ticks - before.ticks) / TICKS_PER_S) / ((after.at - before.at) / 1000) * 100, idle: s.get(idle.pid)?.cpu ?? -1 })
      before = after
    }
    const why = JSON.stringify(seen)
    for (const x of seen) expect(Math.abs(x.busy - x.truth), why).toBeLessThan(10)
    expect(Math.max(...seen.map((x) => x.truth)), why).toBeGreaterThan(20) // it did spin: the figure was put to the test
    expect(Math.max(...seen.map((x) => x.idle)), why).toBeLessThan(15)
  })

  it('leaves out a root that is gone, and answers an empty list with nothing', async () => {
    const sampler = createProcSampler()
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
    await new Promise((resolve) => dead.once('exit', resolve))
    const s = await sampler.sample([dead.pid ?? 0, process.pid])
    expect(s.has(dead.pid ?? 0)).toBe(false)
    expect(s.get(process.pid)?.memory).toBeGreaterThan(0)
    expect((await sampler.sample([])).size).toBe(0)
  })
})
