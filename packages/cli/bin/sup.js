#!/usr/bin/env node
'use strict'
// The `sup` command, CommonJS (bin/package.json). `sup list` / `sup ls [--json]`, what people and scripts run most,
// loads bundle/list.cjs alone: no ESM loader, no commander, no other command's code (docs/performance.md). Every
// other command line loads the whole program, bundle/bin.js. Both are built by `pnpm build`.
const args = process.argv.slice(2)
if (require('../bundle/plain-list.cjs').isPlainList(args)) {
  void require('../bundle/list.cjs').runPlainList(args)
} else {
  void import('../bundle/bin.js')
}
