import { existsSync } from 'node:fs'
import { testRules } from '../testing/rule-tests/test-rules.js'

/** Where the command writes. */
export interface CliStreams {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

const USAGE = `usage: opskit-monitor test rules FILE...

  test rules   run rule unit-test files in promtool's format (exit 0: all pass, 1: failures)
`

/**
 * Runs `opskit-monitor` with `args`; resolves to the exit code. `test rules FILE...` prints what
 * `promtool test rules` prints (`Unit Testing:` per file, then `SUCCESS` or `FAILED:` and the
 * failures) and exits as promtool does: 0 when every file passes, 1 otherwise (also for usage
 * errors and missing files). `--help` prints the usage and exits 0.
 */
export async function runCli(args: readonly string[], io: CliStreams): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE)
    return 0
  }
  const [command, sub, ...files] = args
  if (command !== 'test' || sub !== 'rules' || files.length === 0) {
    io.stderr.write(USAGE)
    return 1
  }
  const missing = files.find((file) => !existsSync(file))
  if (missing !== undefined) {
    io.stderr.write(`opskit-monitor: error: path '${missing}' does not exist\n`)
    return 1
  }
  let failed = false
  for (const file of files) {
    io.stdout.write(`Unit Testing:  ${file}\n`)
    const result = await testRules(file)
    for (const warning of result.warnings) io.stderr.write(`${warning}\n`)
    if (result.passed) io.stdout.write('  SUCCESS\n')
    else {
      failed = true
      io.stderr.write('  FAILED:\n')
      for (const failure of result.failures) {
        io.stderr.write(`${failure}\n`)
        io.stdout.write('\n')
      }
    }
    io.stdout.write('\n')
  }
  return failed ? 1 : 0
}
