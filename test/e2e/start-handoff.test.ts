// e2e: a cold `sup start` hands its app to the daemon it spawned (@sup/protocol/handoff), so the workers spawn before
// the daemon's HTTP API is up; what the user sees, and what the daemon does, are what the API would have given.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { SUP_VERSION } from '../../packages/protocol/src/version.ts'
import { DAEMON_BIN, EXAMPLES, daemonPid, freePortRange, httpGet, isAlive, isGone, logdPid, markedPids, pidsWithHome, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

const HELLO = `${EXAMPLES}/hello/server.js`
const TAKEN = 'start request taken from the CLI that spawned this daemon'

/** The messages of the daemon's log, in order. */
function logMessages (home: string): string[] {
  return readFileSync(`${home}/daemon.log`, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { msg: string }).msg)
}

/** A daemon spawned as `sup start` spawns it, the test holding the CLI's end of the handoff. */
function spawnWithHandoff (home: string): Socket {
  const child = spawn(process.execPath, [DAEMON_BIN, '--handoff'], { env: { ...process.env, SUP_HOME: home }, stdio: ['ignore', 'ignore', 'ignore', 'pipe'], detached: true })
  child.unref()
  return child.stdio[3] as Socket
}

/** The daemon's lines on the handoff until it closes it. */
function linesUntilClosed (pipe: Socket): Promise<unknown[]> {
  let text = ''
  pipe.setEncoding('utf8')
  pipe.on('data', (d: string) => { text += d })
  return new Promise((resolve) => pipe.once('close', () => { resolve(text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown)) }))
}

/** When a process started, in clock ticks since boot (/proc/<pid>/stat, field 22). */
function startTicks (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
}

async function appsOf (home: string): Promise<AppList['apps']> {
  await waitFor(() => existsSync(`${home}/sup.sock`), { what: 'the daemon API' })
  return (await supJson<AppList>(home, ['list'])).apps
}

describe('a cold `sup start`', () => {
  it('has its workers spawned before the daemon API is up, and they serve', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const r = await runSup(home, ['start', HELLO, '-n', '2', '--name', 'hello', '--port-range', ports.range])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.match(/^hello\s+\d\s+\d+\s+\d+\s+online/gm)).toHaveLength(2)
    // the command may end before the daemon's API is up: `sup list` waits for it
    expect((await appsOf(home)).map((a) => a.workers.map((w) => w.state))).toEqual([['online', 'online']])
    const messages = logMessages(home)
    expect(messages).toContain(TAKEN)
    expect(messages.indexOf(TAKEN)).toBeLessThan(messages.indexOf('daemon ready'))
    for (const port of [ports.from, ports.to]) expect((await httpGet(port)).body).toMatch(/^hello from pid \d+/)
  })

  it('fails as a start to a running daemon does, and the daemon it spawned stays up with nothing created', async () => {
    const warm = useSupHome()
    expect((await runSup(warm, ['list'])).code).toBe(0)
    for (const args of [['-n', '0'], ['--restart', 'sometimes'], ['--port-range', '9000-8000']]) {
      const cold = useSupHome()
      const r = await runSup(cold, ['start', HELLO, ...args])
      const w = await runSup(warm, ['start', HELLO, ...args])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toBe(w.stderr)
      expect(r.stdout).toBe('')
      expect(await appsOf(cold)).toEqual([])
    }
    expect(await appsOf(warm)).toEqual([])
  })

  it('ended by a usage error (PM2\'s `-i 4`) leaves no daemon behind in a home that had none', async () => {
    const home = useSupHome()
    const r = await runSup(home, ['start', HELLO, '--env', 'DB_PASSWORD=hunter2', '-i', '4'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/unknown option '-i'/)
    // bin/sup.js spawned the daemon before the line was parsed: told it was not needed, it exits
    await waitFor(() => pidsWithHome(home).length === 0, { what: 'the daemon spawned for the start to exit' })
    const log = readFileSync(`${home}/daemon.log`, 'utf8')
    expect(log).toMatch(/not needed by the command that started it: `sup start` ended \(exit code 1\) without needing a daemon/)
    expect(log).not.toContain('hunter2') // the command's line is not logged: it may hold a secret
    expect(existsSync(`${home}/sup.sock`)).toBe(false)
  })

  it('told it was not needed, stays up when its home has apps (it restored them)', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    expect((await runSup(home, ['start', HELLO, '--name', 'hello', '--port-range', ports.range])).code).toBe(0)
    expect((await runSup(home, ['stop', 'hello'])).code).toBe(0)
    expect((await runSup(home, ['kill'])).code).toBe(0)
    const pipe = spawnWithHandoff(home)
    pipe.end(`${JSON.stringify({ unused: '`sup start x -i 4` ended (exit code 1) without needing a daemon' })}\n`)
    expect((await appsOf(home)).map((a) => a.name)).toEqual(['hello'])
    expect(daemonPid(home)).not.toBeNull()
  })

  it('of an app its home already has is refused as by the API, and the app keeps running', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const args = ['start', HELLO, '--name', 'hello', '--port-range', ports.range]
    expect((await runSup(home, args)).code).toBe(0)
    const warm = await runSup(home, args)
    expect(warm.stderr).toMatch(/already exists/)
    expect((await runSup(home, ['kill'])).code).toBe(0)
    // the next daemon brings the app back from its state, then is handed the same start
    const cold = await runSup(home, args)
    expect(cold.code).toBe(1)
    expect(cold.stderr).toBe(warm.stderr)
    expect(logMessages(home)).toContain(TAKEN)
    // the restored app's worker, started by the boot, may still be on its way online
    await waitFor(async () => (await appsOf(home))[0]?.workers.every((w) => w.state === 'online'), { what: 'the restored worker online' })
    expect((await appsOf(home)).map((a) => a.name)).toEqual(['hello'])
    expect((await httpGet(ports.from)).body).toMatch(/^hello from pid/)
  })

  it('still starts the app when the CLI goes away right after handing it over', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const pipe = spawnWithHandoff(home)
    pipe.end(`${JSON.stringify({ version: SUP_VERSION, spec: { script: HELLO, name: 'hello', instances: 2, portRange: ports.range }, wait: true })}\n`)
    pipe.destroy()
    const apps = await waitFor(async () => {
      const [app] = await appsOf(home)
      return app?.workers.every((w) => w.state === 'online') === true ? [app] : null
    }, { what: 'both workers online' })
    expect(apps[0]?.workers).toHaveLength(2)
    for (const port of [ports.from, ports.to]) expect((await httpGet(port)).body).toMatch(/^hello from pid/)
  })

  it('stops, workers and all, on a SIGTERM that comes while the daemon it spawned has not opened its API yet', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    // an app that never listens: the daemon waits for it (at most 1 s) before it loads its API
    writeFileSync(`${home}/mute.js`, 'setInterval(() => {}, 1000)\n')
    const pipe = spawnWithHandoff(home)
    const taken = new Promise((resolve) => { pipe.once('data', resolve) })
    pipe.write(`${JSON.stringify({ version: SUP_VERSION, spec: { script: `${home}/mute.js`, name: 'mute', portRange: ports.range }, wait: true })}\n`)
    await taken
    await waitFor(() => markedPids(home).length === 1, { what: 'the worker' })
    const pid = daemonPid(home)
    expect(pid).not.toBeNull()
    process.kill(pid ?? 0, 'SIGTERM')
    await waitFor(() => !isAlive(pid ?? 0), { what: 'the daemon to exit' })
    expect(markedPids(home)).toEqual([])
    expect(existsSync(`${home}/sup.sock`)).toBe(false)
  })

  it('starts sup-logd once its workers are online, and their first lines reach their log files', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['start', HELLO, '-n', '2', '--name', 'hello', '--port-range', ports.range])).code).toBe(0)
    const workers = (await appsOf(home))[0]?.workers ?? []
    const logd = await waitFor(() => logdPid(home), { what: 'sup-logd' })
    for (const w of workers) expect(startTicks(logd)).toBeGreaterThan(startTicks(w.pid ?? 0))
    for (const [i, port] of [ports.from, ports.to].entries()) {
      await waitFor(() => existsSync(`${home}/logs/hello-${i}.log`) && readFileSync(`${home}/logs/hello-${i}.log`, 'utf8').includes(`hello listening on ${port}`), { what: `worker ${i}'s first line in its log` })
    }
  })

  it('starts sup-logd right after the boot when that boot adopted workers (they are writing)', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['start', HELLO, '--name', 'old', '--port-range', `${ports.from}-${ports.from}`])).code).toBe(0)
    const old = await waitFor(() => logdPid(home), { what: 'sup-logd' })
    const killed = [daemonPid(home) ?? 0, old]
    for (const pid of killed) process.kill(pid, 'SIGKILL')
    // no thread of either left: until then the daemon's socket may take the next command's connection and reset it
    await waitFor(() => killed.every(isGone), { what: 'the daemon and sup-logd to die' })
    expect((await runSup(home, ['start', HELLO, '--name', 'new', '--port-range', `${ports.to}-${ports.to}`])).code).toBe(0)
    const apps = await appsOf(home)
    expect(apps.map((a) => [a.name, a.workers[0]?.state])).toEqual([['new', 'online'], ['old', 'online']])
    const logd = await waitFor(() => { const pid = logdPid(home); return pid !== old ? pid : null }, { what: 'a new sup-logd' })
    expect(startTicks(logd)).toBeLessThanOrEqual(startTicks(apps[0]?.workers[0]?.pid ?? 0))
  })

  it('declines a request of another sup version: nothing is created, and the API then serves', async () => {
    const home = useSupHome()
    const pipe = spawnWithHandoff(home)
    const lines = linesUntilClosed(pipe)
    pipe.write(`${JSON.stringify({ version: '0.0.1', spec: { script: HELLO, name: 'hello' }, wait: true })}\n`)
    expect(await lines).toEqual([{ declined: `sent by sup 0.0.1, this daemon is ${SUP_VERSION}` }])
    expect(await appsOf(home)).toEqual([])
  })
})
