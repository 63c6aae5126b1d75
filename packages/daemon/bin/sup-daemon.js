#!/usr/bin/env node
// The sup daemon in the foreground (what `sup daemon` runs).
import '../dist/main.js'
