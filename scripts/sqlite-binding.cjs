// Preloaded (NODE_OPTIONS=--require; for the daemons the tests start, SUP_NODE_OPTIONS, which the daemon and its
// sup-logd run with) when the tests run on another Node major: better-sqlite3's addon is built per Node ABI, and
// node_modules holds the one for the machine's Node. This hands better-sqlite3 the build for this Node's ABI from
// $SUP_SQLITE_BINDING_DIR/<major>/better_sqlite3.node (default: this repository's .tmp/node, where
// scripts/node-versions.mjs makes it). Only NODE_OPTIONS has to reach a process (sup-logd gets no SUP_* variable).
'use strict'
const Module = require('node:module')
const path = require('node:path')
const { existsSync } = require('node:fs')

const major = process.versions.node.split('.')[0]
const addon = path.join(process.env.SUP_SQLITE_BINDING_DIR || path.join(__dirname, '..', '.tmp', 'node'), major, 'better_sqlite3.node')
const originalRequire = Module.prototype.require
if (existsSync(addon)) Module.prototype.require = function (id) {
  if (id === 'bindings' && /[\\/]better-sqlite3[\\/]lib[\\/]/.test(this.filename || '')) {
    return () => originalRequire.call(this, addon)
  }
  return originalRequire.apply(this, arguments)
}
