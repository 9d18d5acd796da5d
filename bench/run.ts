// Runs every `*.bench.ts` in this folder (or those named on the command line), each in its own
// process so that one benchmark's memory and JIT state never colour another's.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const only = process.argv.slice(2)
const files = readdirSync(import.meta.dirname)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort()
let failed = 0
for (const file of files) {
  console.log(`\n# ${file}`)
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], {
    cwd: import.meta.dirname,
    stdio: 'inherit',
  })
  if (result.status !== 0) failed++
}
if (failed > 0) {
  console.error(`${failed} benchmark file(s) failed`)
  process.exit(1)
}
