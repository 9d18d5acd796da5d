#!/usr/bin/env node
// File-size check run by `npm run lint`: lists source files under packages/*/src and
// examples/*/src longer than the limit (issue 20: files stay under ~400 lines; functions under
// ~120, which Biome's noExcessiveLinesPerFunction checks). Warnings only: it always exits 0.
// Usage: node scripts/check-file-size.mjs [maxLines]
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const DEFAULT_MAX_LINES = 400
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.turbo'])
const root = join(import.meta.dirname, '..')
const maxLines = Number(process.argv[2] ?? DEFAULT_MAX_LINES)

/** Every source file below `dir`, depth first, in name order. */
function* sourceFiles(dir) {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* sourceFiles(path)
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) yield path
  }
}

/** Lines as `wc -l` counts them, plus a last line without a newline. */
function lineCount(text) {
  if (text.length === 0) return 0
  const newlines = text.split('\n').length - 1
  return text.endsWith('\n') ? newlines : newlines + 1
}

function sourceRoots() {
  const roots = []
  for (const group of ['packages', 'examples']) {
    const groupDir = join(root, group)
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const src = join(groupDir, entry.name, 'src')
      try {
        if (readdirSync(src)) roots.push(src)
      } catch {
        // a workspace without src/
      }
    }
  }
  return roots.sort()
}

const offenders = []
for (const src of sourceRoots()) {
  for (const file of sourceFiles(src)) {
    const lines = lineCount(readFileSync(file, 'utf8'))
    if (lines > maxLines) offenders.push({ file: relative(root, file), lines })
  }
}
for (const { file, lines } of offenders) {
  console.warn(`warning: ${file} has ${lines} lines (more than ${maxLines}); split it along its seams`)
}
console.log(
  offenders.length === 0
    ? `file size: every source file has at most ${maxLines} lines`
    : `file size: ${offenders.length} source file(s) over ${maxLines} lines (warnings)`,
)
