import type { Labels } from '../labels/labels.js'

/** A series' labels as stored: JSON with the names sorted, so one label set has one text. */
export function seriesText(labels: Labels): string {
  const sorted: Labels = {}
  for (const name of Object.keys(labels).sort()) sorted[name] = labels[name] as string
  return JSON.stringify(sorted)
}
