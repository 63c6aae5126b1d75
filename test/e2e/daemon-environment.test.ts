// e2e: the daemon is spawned without NODE_EXTRA_CA_CERTS (node reads and parses that file at every start, before any
// code runs, and the daemon makes no TLS connection); the workers it starts still get it with the shell's environment.
// A relative SUP_HOME means the same directory to the CLI and to the daemon it spawns. The shell's NODE_OPTIONS are the
// app's; SUP_NODE_OPTIONS are sup's own processes'.
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { rootCertificates } from 'node:tls'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, SUP_BIN, daemonPid, freePortRange, httpGet, killPid, logdPid, runSup, useSupHome, waitFor } from '@sup/test-support'

const HELLO = `${EXAMPLES}/hello/server.js`

/** A process's environment, read from /proc. */
function environOf (pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((e) => e !== '')
  return new Map(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
}

describe('NODE_EXTRA_CA_CERTS', () => {
  it('reaches the workers, not the daemon, through a cold start and a daemon restart', async () => {
    const home = useSupHome()
    const pem = `${home}/extra-ca.pem`
    writeFileSync(pem, `${rootCertificates[0] ?? ''}\n`)
    const env = { NODE_EXTRA_CA_CERTS: pem }
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', HELLO, '--name', 'hello', '--port-range', ports.range], { env })
    expect(r.code, r.stderr).toBe(0)
    const listed = await runSup(home, ['list', '--json'], { env })
    const worker = (JSON.parse(listed.stdout) as AppList).apps[0]?.workers[0]?.pid ?? 0
    expect(environOf(worker).get('NODE_EXTRA_CA_CERTS')).toBe(pem)
    const first = daemonPid(home) ?? 0
    expect(environOf(first).has('NODE_EXTRA_CA_CERTS')).toBe(false)
    expect(environOf(first).get('SUP_HOME')).toBe(home)

    expect((await runSup(home, ['daemon', '--restart'], { env })).code).toBe(0)
    const second = daemonPid(home) ?? 0
    expect(second).not.toBe(first)
    expect(environOf(second).has('NODE_EXTRA_CA_CERTS')).toBe(false)
    expect((await httpGet(ports.from)).body).toMatch(/^hello from pid \d+/)
  })
})

describe('a relative SUP_HOME', () => {
  it('is the directory under the shell that named it, for the CLI and for the daemon it starts', async () => {
    const home = useSupHome()
    const relative = `./${basename(home)}`
    const misplaced = `/${basename(home)}` // where a daemon running in / would take it to be
    onTestFinished(async () => {
      if (!existsSync(misplaced)) return
      await runSup(misplaced, ['kill'])
      rmSync(misplaced, { recursive: true, force: true })
    })
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', HELLO, '--name', 'hello', '--port-range', ports.range], { cwd: dirname(home), env: { SUP_HOME: relative } })
    expect(r.code, r.stderr).toBe(0)
    expect((await httpGet(ports.from)).body).toMatch(/^hello from pid \d+/)
    expect(environOf(daemonPid(home) ?? 0).get('SUP_HOME')).toBe(home)
    expect(existsSync(misplaced)).toBe(false)
  })
})

describe("the shell's NODE_OPTIONS", () => {
  it("are the app's: they reach its workers, never the daemon or sup-logd (a --require of the app's let no daemon start)", async () => {
    const home = useSupHome()
    const dir = mkdtempSync('/tmp/sup-node-options-')
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(`${dir}/preload.cjs`, "process.env.PRELOADED = 'yes'\n")
    writeFileSync(`${dir}/app.cjs`, "require('node:http').createServer((q, s) => s.end(`preloaded ${process.env.PRELOADED}`)).listen(+process.env.PORT, '127.0.0.1')\n")
    const env = { NODE_OPTIONS: '--require ./preload.cjs' }
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', 'app.cjs', '--port-range', ports.range], { cwd: dir, env })
    expect(r.code, r.stderr).toBe(0)
    expect((await httpGet(ports.from)).body).toBe('preloaded yes')
    expect(environOf(daemonPid(home) ?? 0).has('NODE_OPTIONS')).toBe(false)
    expect(environOf(await waitFor(() => logdPid(home), { what: 'sup-logd' })).has('NODE_OPTIONS')).toBe(false)
  })

  it('a daemon that node cannot start (a bad SUP_NODE_OPTIONS) is said to have written no log, with the way to see why', async () => {
    const home = useSupHome()
    const r = await runSup(home, ['list'], { env: { SUP_NODE_OPTIONS: '--require ./no-such-preload.cjs' } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('The sup daemon exited with code 1 before answering')
    expect(r.stderr).toContain(`hint: it wrote no ${home}/daemon.log: run \`sup daemon\` to see it start, or fail, in the foreground`)
  })

  it('SUP_NODE_OPTIONS are the Node options of the daemon and sup-logd, not of the workers', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const mine = '--max-old-space-size=200'
    const r = await runSup(home, ['start', HELLO, '--name', 'hello', '--port-range', ports.range], { env: { SUP_NODE_OPTIONS: mine } })
    expect(r.code, r.stderr).toBe(0)
    expect(environOf(daemonPid(home) ?? 0).get('NODE_OPTIONS')).toBe(mine)
    expect(environOf(await waitFor(() => logdPid(home), { what: 'sup-logd' })).get('NODE_OPTIONS')).toBe(mine)
    const listed = JSON.parse((await runSup(home, ['list', '--json'])).stdout) as AppList
    expect(environOf(listed.apps[0]?.workers[0]?.pid ?? 0).get('NODE_OPTIONS')).not.toBe(mine)
  })
})

describe('a SUP_HOME no daemon can use', () => {
  it('one too long for a unix socket path is named, before any daemon is spawned, by the CLI and by `sup daemon`', async () => {
    const base = useSupHome()
    // <home>/sup.sock is 108 bytes: one more than a unix socket path can be
    const home = `${base}/${'h'.repeat(108 - `${base}/`.length - '/sup.sock'.length)}`
    expect(Buffer.byteLength(`${home}/sup.sock`)).toBe(108)
    const r = await runSup(home, ['list'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`sup: SUP_HOME is too long: its socket ${home}/sup.sock would be 108 bytes, and a unix socket path takes at most 107`)
    expect(r.stderr).toContain('hint: set SUP_HOME to a shorter directory')
    // `sup start` spawns its daemon before it loads its program: not for such a home
    const start = await runSup(home, ['start', HELLO])
    expect(start.code).toBe(1)
    expect(start.stderr).toContain(`sup: SUP_HOME is too long: its socket ${home}/sup.sock would be 108 bytes`)
    expect(start.stderr).not.toContain('exited with code 1')
    expect(existsSync(home)).toBe(false) // no daemon was spawned to fail there

    const foreground = await runSup(home, ['daemon'])
    expect(foreground.code).toBe(1)
    expect(foreground.stderr).toContain(`SUP_HOME is too long: its socket ${home}/sup.sock would be 108 bytes, and a unix socket path takes at most 107`)
    expect(foreground.stderr).not.toMatch(/^\s+at /m) // a message, not a stack trace
  })

  it('one under a file is named as such, by the CLI and by `sup daemon`', async () => {
    const base = useSupHome()
    writeFileSync(`${base}/file`, '')
    const home = `${base}/file/.sup`
    const r = await runSup(home, ['list'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`hint: ${home} cannot be created: ${base}/file is not a directory; set SUP_HOME to a directory this user can write`)
    expect(r.stderr).not.toContain('did the daemon crash')

    const foreground = await runSup(home, ['daemon'])
    expect(foreground.code).toBe(1)
    expect(foreground.stderr).toContain(`sup-daemon: cannot use SUP_HOME ${home}: ENOTDIR: not a directory`)
    expect(foreground.stderr).not.toMatch(/^\s+at /m)
  })
})

describe('the node a Node script runs on', () => {
  it("is the node of the shell that ran `sup start` (nvm's, say), not the one the daemon started under", async () => {
    const home = useSupHome()
    // another node binary at another path (a hard link, else a copy), as `nvm use 22` puts one first in PATH
    const otherNode = `${home}/bin/node`
    mkdirSync(`${home}/bin`)
    try { linkSync(process.execPath, otherNode) } catch { copyFileSync(process.execPath, otherNode) }
    expect((await runSup(home, ['list'])).code).toBe(0) // the daemon starts on the test's node
    const ports = await freePortRange(1)
    const r = await new Promise<{ code: number | null, stderr: string }>((resolve) => {
      execFile(otherNode, [SUP_BIN, 'start', HELLO, '--name', 'hello', '--port-range', ports.range], { env: { ...process.env, SUP_HOME: home, NO_COLOR: '1' } }, (err, _out, stderr) => resolve({ code: err === null ? 0 : 1, stderr }))
    })
    expect(r.code, r.stderr).toBe(0)
    const listed = JSON.parse((await runSup(home, ['list', '--json'])).stdout) as AppList
    const worker = listed.apps[0]?.workers[0]?.pid ?? 0
    expect(readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0')[0]).toBe(otherNode)
    expect(readFileSync(`/proc/${daemonPid(home) ?? 0}/cmdline`, 'utf8').split('\0')[0]).toBe(process.execPath)
  })
})

describe('an app that runs `sup` itself (a deploy webhook, a maintenance job)', () => {
  it('reaches the daemon that runs it, whatever SUP_HOME the app was started with, and starts no daemon of its own', async () => {
    const home = useSupHome()
    // the app's HOME: where a `sup` that knew no SUP_HOME would start a daemon of its own (~/.sup)
    const appHome = useSupHome()
    onTestFinished(() => {
      for (const f of [`${appHome}/.sup/sup.pid`, `${appHome}/.sup/logd.pid`]) if (existsSync(f)) killPid(Number(readFileSync(f, 'utf8').trim()), 'SIGKILL')
    })
    const dir = mkdtempSync('/tmp/sup-caller-')
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(`${dir}/caller.js`, "const out = require('node:child_process').execFileSync(process.execPath, [process.env.SUP_BIN_PATH, 'list', '--json'], { encoding: 'utf8' }); console.log('sees ' + JSON.parse(out).apps.map((a) => a.name).join(','))\n")
    const r = await runSup(home, ['start', `${dir}/caller.js`, '--no-port', '--restart', 'never', '--env', `HOME=${appHome}`, '--env', `SUP_BIN_PATH=${SUP_BIN}`])
    expect(r.code, r.stderr).toBe(0)
    await waitFor(async () => (await runSup(home, ['logs', 'caller', '--no-follow'])).stdout.includes('sees caller'), { what: "the app's `sup list` to list it" })
    expect(existsSync(`${appHome}/.sup/sup.pid`)).toBe(false)
  })
})
