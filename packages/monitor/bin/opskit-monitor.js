#!/usr/bin/env node
// The `opskit-monitor` command. This file exists before the build so that npm links the bin at
// install time; the command itself is the built dist/cli.js (run `npm run build` first).
import '../dist/cli.js'
