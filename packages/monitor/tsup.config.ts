import { definePackageBuild } from '../../scripts/tsup-preset.ts'

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    alerting: 'src/alerting/index.ts',
    testing: 'src/testing/index.ts',
    tracing: 'src/tracing/index.ts',
    cli: 'src/cli/main.ts',
  },
})
