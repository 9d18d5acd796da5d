import { definePackageBuild } from '../../scripts/tsup-preset.ts'

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    sqlite: 'src/sqlite/index.ts',
    pino: 'src/pino/index.ts',
    worker: 'src/worker/index.ts',
    sql: 'src/db/sql-text.ts',
    internal: 'src/internal/index.ts',
  },
})
