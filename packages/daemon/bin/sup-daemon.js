#!/usr/bin/env node
// The sup daemon in the foreground (what `sup daemon` runs).
import '../bundle/main.js'
