#!/usr/bin/env node
// Packaging checks for one workspace package (run from its folder by `turbo run check:package`):
// publint --strict, attw on the packed tarball, and a scan proving that the root entry never
// loads an optional peer (heavy libraries stay behind their subpaths).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const OPTIONAL_HEAVY = [
  'nodemailer',
  'twilio',
  'firebase-admin',
  'exceljs',
  'pdfkit',
  '@tensorflow/',
  'better-sqlite3',
  'pino',
]
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const bin = (name) => join(import.meta.dirname, '..', 'node_modules', '.bin', name)
const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' })

run(bin('publint'), ['--strict'])
run(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped'])

const failures = []
for (const file of ['dist/index.js', 'dist/index.cjs']) {
  const seen = new Set()
  const visit = (path) => {
    if (seen.has(path)) return
    seen.add(path)
    const text = readFileSync(path, 'utf8')
    const specifiers = [...text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map(
      (m) => m[1],
    )
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(join(path, '..', specifier))
      else if (
        OPTIONAL_HEAVY.some(
          (heavy) => specifier === heavy || specifier.startsWith(heavy.endsWith('/') ? heavy : `${heavy}/`),
        )
      ) {
        failures.push(`${file} reaches optional peer "${specifier}" (through ${path})`)
      }
    }
  }
  visit(file)
}
if (failures.length > 0) {
  console.error(`${pkg.name}: the root entry must not load optional peers:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log(`${pkg.name}: publint, attw and the optional-peer scan pass`)
