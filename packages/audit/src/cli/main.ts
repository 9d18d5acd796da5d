#!/usr/bin/env node
/**
 * The `opskit-audit` command: `verify | query | export` over a SQLite file or a PostgreSQL URL.
 * @packageDocumentation
 */
import { runCli } from './run-cli.js'

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`opskit-audit: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 2
  },
)
