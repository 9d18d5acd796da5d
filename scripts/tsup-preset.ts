import { fileURLToPath } from 'node:url'
import { defineConfig, type Options } from 'tsup'

/**
 * Libraries that opskit packages never bundle: optional peers stay behind their subpaths and
 * are loaded from the host's node_modules (tsup issue #998: peers that are also devDependencies
 * can be bundled unless listed explicitly).
 */
export const HEAVY_OPTIONAL_PEERS = [
  'nodemailer',
  'twilio',
  'firebase-admin',
  'exceljs',
  'pdfkit',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  'better-sqlite3',
  'pino',
  'pg',
  'kysely',
  'prom-client',
  'vitest',
] as const

/** Shared tsup build for every published package: ESM + CJS + .d.ts, Node 20, externals explicit. */
export function definePackageBuild(options: { entry: Record<string, string>; external?: string[] }) {
  const config: Options = {
    entry: options.entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    // `import.meta.url` in the CJS build too: modules find their worker files beside them with it.
    esbuildOptions(esbuild, { format }) {
      if (format !== 'cjs') return
      esbuild.define = { ...esbuild.define, 'import.meta.url': 'importMetaUrl' }
      esbuild.inject = [
        ...(esbuild.inject ?? []),
        fileURLToPath(new URL('./cjs-import-meta-url.js', import.meta.url)),
      ]
    },
    external: [...HEAVY_OPTIONAL_PEERS, /^@opentelemetry\//, /^@opskit\//, ...(options.external ?? [])],
  }
  return defineConfig(config)
}
