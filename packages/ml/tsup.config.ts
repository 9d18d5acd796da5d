import { definePackageBuild } from '../../scripts/tsup-preset.ts'

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    nab: 'src/nab/index.ts',
    cli: 'src/cli/opskit-ml.ts',
    tfjs: 'src/tfjs/index.ts',
    'train-worker': 'src/tfjs/train-worker.ts',
  },
})
