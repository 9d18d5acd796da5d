import { definePackageBuild } from '../../scripts/tsup-preset.ts'

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    prometheus: 'src/prometheus/index.ts',
    cli: 'src/cli/main.ts',
    'sqlite-writer-worker': 'src/store/kysely/sqlite-writer-worker.ts',
  },
})
