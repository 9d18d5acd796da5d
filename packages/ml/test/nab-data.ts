import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is `packages/ml/test/nab-data.ts`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The shared NAB copy sits beside the repository: `<repo>/../shared/data/nab`. */
export const NAB_ROOT = join(REPO_ROOT, '..', 'shared', 'data', 'nab')

/** Whether the NAB data is there; tests that need it are skipped, saying why, when it is not. */
export const HAS_NAB = existsSync(join(NAB_ROOT, 'labels', 'combined_windows.json'))

/** Appended to the name of a suite that needs NAB, so a skipped run says why. */
export const NAB_SKIP_NOTE = HAS_NAB ? '' : ` (skipped: no NAB data at ${NAB_ROOT})`
