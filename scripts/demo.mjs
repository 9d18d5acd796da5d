#!/usr/bin/env node
// `npm run demo` (after `turbo run build`): runs the ticketing-service example's scripted demo —
// a real service on a temporary SQLite file and a loopback port, driven by scripted traffic — and
// exits with its status. The demo writes its reports and summary.json to ./demo-output under the
// current directory (the repository root under `npm run demo`, where .gitignore lists it) and
// everything else to a temporary directory it removes. Arguments pass through:
// `npm run demo -- --serve` keeps the service running and prints its URLs; `--require-all` also
// fails on steps that are not available yet.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'examples', 'ticketing-service', 'src', 'demo', 'run-demo.ts')
// tsx resolved from the repository, so that the demo also runs from another directory.
const tsx = import.meta.resolve('tsx')
const child = spawn(process.execPath, ['--import', tsx, entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
