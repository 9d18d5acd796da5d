#!/usr/bin/env node
// `npm run demo` (after `turbo run build`): runs the ticketing-service example's scripted demo —
// a real service on a temporary SQLite file and a loopback port, driven by scripted traffic — and
// exits with its status. Arguments pass through: `npm run demo -- --serve` keeps the service
// running and prints its URLs; `--require-all` also fails on steps that are not available yet.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'examples', 'ticketing-service', 'src', 'demo', 'run-demo.ts')
const child = spawn(process.execPath, ['--import', 'tsx', entry, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
