/** Area under the ROC curve (ties count half), from scores and 0/1 labels. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((s, i) => [s, labels[i] as number] as const).sort((a, b) => a[0] - b[0])
  let positives = 0
  for (const [, y] of order) positives += y
  const negatives = order.length - positives
  if (positives === 0 || negatives === 0) return Number.NaN
  let rankSum = 0
  let i = 0
  while (i < order.length) {
    let j = i
    while (
      j < order.length &&
      (order[j] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]
    )
      j++
    const averageRank = (i + 1 + j) / 2
    for (let k = i; k < j; k++) if ((order[k] as readonly [number, number])[1] === 1) rankSum += averageRank
    i = j
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/** Best precision reachable at or above a recall level. */
export function precisionAtRecall(
  scores: readonly number[],
  labels: readonly number[],
  recall: number,
): number {
  const order = scores.map((s, i) => [s, labels[i] as number] as const).sort((a, b) => b[0] - a[0])
  const positives = labels.reduce((n, y) => n + y, 0)
  let tp = 0
  let best = 0
  for (let k = 0; k < order.length; k++) {
    tp += (order[k] as readonly [number, number])[1]
    if (positives > 0 && tp / positives >= recall) best = Math.max(best, tp / (k + 1))
  }
  return best
}

/** Mean squared error of probabilities against 0/1 labels (lower is better; 0.25 for a coin). */
export function brierScore(probabilities: readonly number[], labels: readonly number[]): number {
  if (probabilities.length === 0) return Number.NaN
  let sum = 0
  for (const [i, p] of probabilities.entries()) sum += (p - (labels[i] as number)) ** 2
  return sum / probabilities.length
}

/** Precision among the `share` highest scores (e.g. 0.01: the top 1 % a review team can check). */
export function precisionAtTop(scores: readonly number[], labels: readonly number[], share: number): number {
  const k = Math.max(1, Math.round(scores.length * share))
  const order = scores.map((s, i) => [s, labels[i] as number] as const).sort((a, b) => b[0] - a[0])
  let hits = 0
  for (const [, y] of order.slice(0, k)) hits += y
  return hits / k
}

const clampLogit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6)
  return Math.log(q / (1 - q))
}

/** Platt-style calibration: `sigmoid(w · logit(inputs) + b)`. */
export interface Calibration {
  readonly weights: readonly number[]
  readonly bias: number
}

/** Maps input probabilities to one calibrated probability. */
export function applyCalibration(c: Calibration, inputs: readonly number[]): number {
  let z = c.bias
  for (let j = 0; j < inputs.length; j++) z += (c.weights[j] as number) * clampLogit(inputs[j] as number)
  return 1 / (1 + Math.exp(-z))
}

/** Fits a calibration by logistic regression (full-batch gradient descent, a little L2). */
export function fitCalibration(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  iterations = 800,
): Calibration {
  const x = rows.map((r) => r.map(clampLogit))
  const width = x[0]?.length ?? 0
  const w = new Array<number>(width).fill(0.5)
  let b = 0
  const rate = 0.1
  for (let it = 0; it < iterations; it++) {
    const gw = new Array<number>(width).fill(0)
    let gb = 0
    for (let i = 0; i < x.length; i++) {
      const row = x[i] as number[]
      let z = b
      for (let j = 0; j < width; j++) z += (w[j] as number) * (row[j] as number)
      const err = 1 / (1 + Math.exp(-z)) - (labels[i] as number)
      for (let j = 0; j < width; j++) gw[j] = (gw[j] as number) + err * (row[j] as number)
      gb += err
    }
    for (let j = 0; j < width; j++)
      w[j] = (w[j] as number) - rate * ((gw[j] as number) / x.length + 1e-3 * (w[j] as number))
    b -= (rate * gb) / x.length
  }
  return { weights: w, bias: b }
}
