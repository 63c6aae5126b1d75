// The /proc sampler against real processes: a worker's tree (children included), CPU of a spinning thread, gone pids.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createProcSampler } from '../../src/adapters/proc-sampler.ts'
import { descendantsOf, readParents } from '../../src/adapters/proc-tree.ts'
import { freePortRange, httpGet, waitFor } from '../../../../test/support/src/index.ts'
import { killOnFinish, uniqueMarker } from './adapter-support.ts'

const HOG = fileURLToPath(new URL('../../../../test/fixtures/hog.js', import.meta.url))
const MB = 1024 * 1024

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

  it('measures a thread spinning a core as high CPU, and an idle worker as low, in one call', async () => {
    const [busy, idle] = await Promise.all([startHog({ CPU_DUTY: '1' }), startHog()])
    const sampler = createProcSampler()
    await sampler.sample([busy.pid, idle.pid])
    const seen: Array<{ busy: number; idle: number }> = []
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const s = await sampler.sample([busy.pid, idle.pid])
      seen.push({ busy: s.get(busy.pid)?.cpu ?? -1, idle: s.get(idle.pid)?.cpu ?? -1 })
    }
    // 2 shared CPUs: a spinning thread gets well over half a core; an idle server stays near 0
    expect(Math.max(...seen.map((x) => x.busy)), JSON.stringify(seen)).toBeGreaterThan(60)
    expect(Math.max(...seen.map((x) => x.idle)), JSON.stringify(seen)).toBeLessThan(15)
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
