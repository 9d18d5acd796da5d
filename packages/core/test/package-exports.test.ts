import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describePackageExports } from '../../../test-support/src/index.js'
import * as internalSource from '../src/internal/index.js'

// Resolves the built package the way a dependent package does: by name, from the repository
// root's node_modules, in a plain node process (run `turbo run build --filter=@opskit/core` first).
const root = join(import.meta.dirname, '..', '..', '..')
const packageDir = join(import.meta.dirname, '..')

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
}

const expectedNames = Object.keys(internalSource).sort()

describe('@opskit/core/internal', () => {
  it('resolves from ESM with every runtime export of src/internal, none of them on the root entry, one error class for both', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `const internal = await import('@opskit/core/internal')
       const rootEntry = await import('@opskit/core')
       const shared = Object.keys(internal).filter((k) => k in rootEntry)
       const error = internal.requiredOptionError('core', 'probe', 'x')
       console.log(JSON.stringify({ names: Object.keys(internal).sort(), shared, oneClass: error instanceof rootEntry.OpskitError && rootEntry.isOpskitError(error, 'CORE_REQUIRED_OPTION') }))`,
    ])
    const result = JSON.parse(out) as { names: string[]; shared: string[]; oneClass: boolean }
    expect(result.names).toEqual(expectedNames)
    expect(result.shared).toEqual([])
    expect(result.oneClass).toBe(true)
  })

  it('resolves from CommonJS with the same names', () => {
    const out = node([
      '-e',
      `console.log(JSON.stringify(Object.keys(require('@opskit/core/internal')).sort()))`,
    ])
    expect(JSON.parse(out)).toEqual(expectedNames)
    expect(expectedNames).toEqual(
      expect.arrayContaining(['placeholderRows', 'createWorkerClient', 'setBounded']),
    )
  })
})

describePackageExports({
  packageDir,
  expected: {
    '.': ['OpskitError', 'isOpskitError', 'createOutboundHttpClient', 'parseDuration', 'migrate'],
    './testing': ['createFakeClock', 'createMemoryLogger', 'runStoreConformance'],
    './sqlite': ['openSqlite'],
    './pino': ['createPinoLogger'],
    './worker': ['startModuleWorker', 'createWorkerClient'],
    './sql': ['placeholder', 'placeholderRows', 'createStatementCache'],
    './internal': [
      'checkTenantId',
      'createTenantScope',
      'deleteInBatches',
      'resolveRetentionPolicy',
      'setBounded',
    ],
  },
  notAtRoot: [
    'checkTenantId',
    'createTenantScope',
    'deleteInBatches',
    'setBounded',
    'openSqlite',
    'runStoreConformance',
  ],
  requireResolveOnly: ['./testing'],
})
