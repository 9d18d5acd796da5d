// Independent readers for the files we write: Python's csv module and openpyxl.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The python3 with openpyxl that CI installs (Debian's python3-openpyxl). */
export const python = ['/usr/bin/python3', 'python3'].find((candidate) => {
  try {
    execFileSync(candidate, ['-c', 'import csv, openpyxl'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})

function withFile<T>(name: string, body: Buffer | string, read: (file: string) => T): T {
  if (!python) throw new Error('python3 with openpyxl is required (apt-get install python3-openpyxl)')
  const dir = mkdtempSync(join(tmpdir(), 'reports-py-'))
  try {
    const file = join(dir, name)
    writeFileSync(file, body)
    return read(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Splits CSV text with Python's csv module using `delimiter` (which may differ from the writer's). */
export function readCsvWithPython(text: string, delimiter: string): string[][] {
  return withFile('out.csv', text, (file) => {
    const script = new URL('./fixtures/read-csv.py', import.meta.url).pathname
    return JSON.parse(
      execFileSync(python as string, [script, file, delimiter], { encoding: 'utf8' }),
    ) as string[][]
  })
}

/** One sheet as openpyxl reads it (dates as ISO text). */
export interface OpenpyxlSheet {
  title: string
  freezePanes: string | null
  values: unknown[][]
  formats: string[][]
  bold: boolean[][]
}

/** Reads an XLSX file with openpyxl. */
export function readXlsxWithOpenpyxl(buffer: Buffer): OpenpyxlSheet[] {
  return withFile('out.xlsx', buffer, (file) => {
    const script = new URL('./fixtures/read-xlsx.py', import.meta.url).pathname
    const output = execFileSync(python as string, [script, file], { encoding: 'utf8' })
    return (JSON.parse(output) as { sheets: OpenpyxlSheet[] }).sheets
  })
}
