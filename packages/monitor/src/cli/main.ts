#!/usr/bin/env node
/**
 * The `opskit-monitor` command: `test rules FILE...` runs promtool rule-test files on opskit's
 * rule engine, with promtool's output and exit codes.
 * @packageDocumentation
 */
import { runCli } from './run-cli.js'

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`opskit-monitor: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
