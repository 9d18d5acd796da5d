// @opskit/ml: the sell-out LSTM on shapes it was not trained on (plateaus with a second wave,
// early sell-outs after a launch spike) and on the same shapes once trained on them, beside the
// velocity, seasonal-naive and Holt baselines. Training and held-out curves come from different
// seeds; the held-out seeds are used for nothing else.
// Run: cd bench && node --import tsx ml-sellout-shapes.ts
import { type GeneratedSalesCurve, generateSalesCurves, type SalesShape } from '@opskit/ml'
import { createSelloutForecaster, evaluateSellout, useBestBackend } from '@opskit/ml/tfjs'

const SHAPES: readonly SalesShape[] = ['diffusion', 'plateau', 'early-sellout']
const backend = await useBestBackend()
console.log(`tfjs backend: ${backend.backend}`)

// Held out: 150 curves of each shape, from seeds no training set uses.
const heldOut = new Map<SalesShape, GeneratedSalesCurve[]>(
  SHAPES.map((shape, i) => [shape, generateSalesCurves({ count: 150, seed: 9001 + i, shapes: [shape] })]),
)

const regimes = [
  // As in ml.bench.ts: diffusion curves only, so plateaus and early sell-outs are unseen shapes.
  { name: 'trained on diffusion only', curves: generateSalesCurves({ count: 450, seed: 2026 }) },
  {
    name: 'trained on all three shapes',
    curves: generateSalesCurves({ count: 450, seed: 2027, shapes: SHAPES }),
  },
]

const pct = (x: number) => `${x.toFixed(1)}%`
console.log(
  '\n| training | held-out shape | cases | LSTM MAPE | velocity | seasonal naive | Holt | LSTM p10–p90 coverage |',
)
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const regime of regimes) {
  const forecaster = await createSelloutForecaster({ epochs: 20 })
  const started = performance.now()
  const { sequences } = await forecaster.fit(regime.curves)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  for (const shape of SHAPES) {
    const e = evaluateSellout(forecaster, heldOut.get(shape) as GeneratedSalesCurve[])
    console.log(
      `| ${regime.name} (${sequences} sequences, ${seconds} s) | ${shape} | ${e.cases} | ${pct(e.mape)} | ${pct(e.baselineMape)} | ${pct(e.seasonalNaiveMape)} | ${pct(e.holtMape)} | ${pct(100 * e.coverage)} |`,
    )
  }
}
