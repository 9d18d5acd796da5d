import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { MlError } from '../errors/ml-error.js'

/** One NAB data file loaded into memory. */
export interface NabDataFile {
  /** Relative path such as `realKnownCause/nyc_taxi.csv`. */
  readonly key: string
  /** Timestamps as written in the CSV (`YYYY-MM-DD HH:MM:SS`). */
  readonly rawTimestamps: readonly string[]
  /** Row instants in epoch milliseconds (the CSV times read as UTC). */
  readonly timestamps: readonly number[]
  /** Row values; unparsable cells become `NaN`. */
  readonly values: readonly number[]
  /** Labelled windows as `[start, end]` epoch milliseconds. */
  readonly windows: readonly (readonly [number, number])[]
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/

/** Parses a NAB timestamp (`2014-04-10 07:15:00` or with a `.000000` fraction) as a UTC instant. */
export function parseNabTimestamp(text: string): number {
  const m = STAMP.exec(text.trim())
  if (!m) throw new MlError('ML_INVALID_INPUT', `not a NAB timestamp: ${JSON.stringify(text)}`)
  const [, y, mo, d, h, mi, s, frac] = m
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
}

/** Reads a NAB `timestamp,value` CSV. */
export function parseNabCsv(
  key: string,
  text: string,
  windows: readonly (readonly [number, number])[] = [],
): NabDataFile {
  const rawTimestamps: string[] = []
  const timestamps: number[] = []
  const values: number[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.trim() === '') continue
    const comma = line.indexOf(',')
    const stamp = line.slice(0, comma)
    rawTimestamps.push(stamp)
    timestamps.push(parseNabTimestamp(stamp))
    values.push(Number.parseFloat(line.slice(comma + 1)))
  }
  return { key, rawTimestamps, timestamps, values, windows }
}

/** Loads the NAB corpus: every `data/<category>/<name>.csv` with windows from `labels/combined_windows.json`. */
export async function loadNabCorpus(
  root: string,
  options: { labels?: string; only?: (key: string) => boolean } = {},
): Promise<NabDataFile[]> {
  const labelPath = join(root, options.labels ?? 'labels/combined_windows.json')
  let labels: Record<string, [string, string][]>
  try {
    labels = JSON.parse(await readFile(labelPath, 'utf8')) as Record<string, [string, string][]>
  } catch (cause) {
    throw new MlError('ML_INVALID_INPUT', `cannot read NAB labels at ${labelPath}`, { cause })
  }
  const files: NabDataFile[] = []
  for (const key of Object.keys(labels).sort()) {
    if (options.only && !options.only(key)) continue
    const windows = (labels[key] ?? []).map(
      ([start, end]) => [parseNabTimestamp(start), parseNabTimestamp(end)] as const,
    )
    const text = await readFile(join(root, 'data', key), 'utf8')
    files.push(parseNabCsv(key, text, windows))
  }
  return files
}

/** Lists the category folders of a NAB data directory. */
export async function listNabCategories(root: string): Promise<string[]> {
  const entries = await readdir(join(root, 'data'), { withFileTypes: true })
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
}

/** Label column of NAB results: 1 inside a labelled window, else 0. */
export function windowLabels(file: NabDataFile): number[] {
  return file.timestamps.map((t) => (file.windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0))
}

/**
 * Writes a detector's results in NAB's results format: `<out>/<category>/<detector>_<name>.csv`
 * with `timestamp,value,anomaly_score,label`.
 */
export async function writeNabResults(
  outDir: string,
  detector: string,
  file: NabDataFile,
  scores: readonly number[],
): Promise<string> {
  const slash = file.key.lastIndexOf('/')
  const category = file.key.slice(0, slash)
  const name = file.key.slice(slash + 1)
  const path = join(outDir, category, `${detector}_${name}`)
  await mkdir(dirname(path), { recursive: true })
  const labels = windowLabels(file)
  const lines = ['timestamp,value,anomaly_score,label']
  for (let i = 0; i < file.timestamps.length; i++) {
    lines.push(`${file.rawTimestamps[i]},${file.values[i]},${scores[i]},${labels[i]}`)
  }
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}
