#!/usr/bin/env node
'use strict'
// The `sup` command, CommonJS (bin/package.json). `sup list` / `sup ls [--json]`, what people and scripts run most,
// loads bundle/list.cjs alone: no ESM loader, no commander, no other command's code (docs/performance.md). Every
// other command line loads the whole program, bundle/bin.js. Both are built by `pnpm build`.
// `sup start` with no daemon running spawns it first (bundle/plain-list.cjs: early-daemon), while bin.js loads.
// Node >= 22.8: the CLI's bundles are compiled once and the code kept on disk (docs/performance.md); never fails a
// command. The daemon keeps no such cache.
// Checked here first: on a node without it, loading compile-cache.cjs (and node:os) would cost `sup list` ~3 ms. Not
// for `sup list --json`: its 7 KB file compiles sooner than the cache is checked and read (~1 ms on Node 24).
const enableCompileCache = () => {
  if (typeof require('node:module').enableCompileCache !== 'function') return
  try { require('../bundle/daemon/compile-cache.cjs').enableCompileCache(process.env) } catch { /* an optimisation */ }
}
const args = process.argv.slice(2)
const wholeList = () => { void require('../bundle/list.cjs').runPlainList(args) }
if (args.length === 2 && (args[0] === 'list' || args[0] === 'ls') && args[1] === '--json') {
  // `sup list --json`, what scripts run most: one pipelined exchange with the daemon (bundle/list-json.cjs, loaded
  // alone); anything unusual (no daemon answering...) goes the whole way
  require('../bundle/list-json.cjs').listJson(process.env, () => { enableCompileCache(); wholeList() })
} else {
  enableCompileCache()
  const plain = require('../bundle/plain-list.cjs')
  if (plain.isPlainList(args)) wholeList()
  else {
    plain.spawnEarlyDaemon(args)
    void import('../bundle/bin.js')
  }
}
