import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'test-support/vitest.config.ts', 'examples/*/vitest.config.ts'],
    reporters: ['default'],
    pool: 'forks',
    passWithNoTests: false,
  },
})
