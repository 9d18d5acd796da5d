import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

/**
 * The vitest project config every opskit workspace uses: the shared PostgreSQL global setup
 * and timeouts that suit real databases and servers on a 2-core machine.
 */
export function opskitProject(name: string, overrides: { testTimeout?: number; include?: string[] } = {}) {
  return defineProject({
    test: {
      name,
      globalSetup: [fileURLToPath(new URL('./src/global-setup.ts', import.meta.url))],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 120_000,
      include: overrides.include ?? ['test/**/*.test.ts'],
    },
  })
}
