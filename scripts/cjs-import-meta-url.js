// Injected into the CommonJS build (scripts/tsup-preset.ts) for `import.meta.url`, which CommonJS
// lacks. pathToFileURL escapes `%`, `#` and `?` in the path, which tsup's own shim does not.
import { pathToFileURL } from 'node:url'

export const importMetaUrl = pathToFileURL(__filename).href
