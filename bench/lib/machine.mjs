// What the numbers were measured on: machine, OS, versions, commit.
import { execFileSync } from 'node:child_process'
import os from 'node:os'

/** Facts about this machine and the code under test, for the report header. */
export async function describeMachine ({ root, drivers }) {
  const cpus = os.cpus()
  const versions = {}
  for (const d of drivers) versions[d.id] = await d.version().catch(() => 'unknown')
  return {
    date: new Date().toISOString(),
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    node: process.version,
    // node reads and parses this file at every start, before any code runs: ~38 ms and ~1.8 MiB per node process
    // with Debian's bundle on the bench box. Every tool's CLI, daemon and workers (and the floor) pay it; sup's
    // daemon does not (it makes no TLS connection). A box without it starts every node process that much sooner.
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS === undefined ? 'unset' : `set (${process.env.NODE_EXTRA_CA_CERTS})`,
    versions,
    commit: gitCommit(root)
  }
}

function gitCommit (root) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head} (with uncommitted changes)` : head
  } catch {
    return 'unknown'
  }
}
