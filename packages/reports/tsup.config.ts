import { definePackageBuild } from '../../scripts/tsup-preset.ts'

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    examples: 'src/examples/index.ts',
    xlsx: 'src/xlsx/index.ts',
    pdf: 'src/pdf/index.ts',
  },
})
