/** Number of features per day the sell-out LSTM reads. */
export const FEATURES = 4

/** Weights of the sell-out LSTM (Keras layout) and its dense head. */
export interface LstmWeights {
  units: number
  kernel: number[]
  recurrent: number[]
  bias: number[]
  denseKernel: number[]
  denseBias: number
}

const hardSigmoid = (x: number) => Math.max(0, Math.min(1, 0.2 * x + 0.5))

/** Runs the trained LSTM (Keras gate order i, f, c, o; tanh; hard sigmoid) on one sequence in plain JS. */
export function lstmForward(w: LstmWeights, sequence: readonly (readonly number[])[]): number {
  const u = w.units
  const h = new Float64Array(u)
  const c = new Float64Array(u)
  const z = new Float64Array(4 * u)
  for (const x of sequence) {
    for (let k = 0; k < 4 * u; k++) {
      let sum = w.bias[k] as number
      for (let i = 0; i < FEATURES; i++) sum += (x[i] as number) * (w.kernel[i * 4 * u + k] as number)
      for (let j = 0; j < u; j++) sum += (h[j] as number) * (w.recurrent[j * 4 * u + k] as number)
      z[k] = sum
    }
    for (let j = 0; j < u; j++) {
      const input = hardSigmoid(z[j] as number)
      const forget = hardSigmoid(z[u + j] as number)
      const candidate = Math.tanh(z[2 * u + j] as number)
      const output = hardSigmoid(z[3 * u + j] as number)
      c[j] = forget * (c[j] as number) + input * candidate
      h[j] = output * Math.tanh(c[j] as number)
    }
  }
  let out = w.denseBias
  for (let j = 0; j < u; j++) out += (h[j] as number) * (w.denseKernel[j] as number)
  return out
}
