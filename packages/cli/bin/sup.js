#!/usr/bin/env node
// The `sup` command: loads the bundled CLI (built by `pnpm build`).
import '../bundle/bin.js'
