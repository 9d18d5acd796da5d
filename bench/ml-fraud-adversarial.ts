// @opskit/ml: fraud scoring where the generator is adversarial (bots that replay whole human
// sessions, humans whose bulk buying drifts up over the month), beside the `hard` level it extends.
// For each level the network is trained on seed 2026 (6,000 sessions) and measured on seeds 1-3
// (3 x 3,000 sessions), never used for training or tuning.
// Run: cd bench && node --import tsx ml-fraud-adversarial.ts
import { brierScore, createFraudScorer, generateSessions, precisionAtTop, rocAuc } from '@opskit/ml'
import { createFraudNetwork, useBestBackend } from '@opskit/ml/tfjs'

const backend = await useBestBackend()
console.log(`tfjs backend: ${backend.backend}`)
console.log('\n| level | method | ROC AUC | precision in the top 1 % | Brier score |')
console.log('| --- | --- | ---: | ---: | ---: |')
const rulesOnly = await createFraudScorer()
for (const difficulty of ['hard', 'adversarial'] as const) {
  const scorer = await createFraudScorer({ model: await createFraudNetwork() })
  await scorer.train(generateSessions({ count: 6000, seed: 2026, difficulty }), {
    validationSplit: 0.25,
    epochs: 40,
    seed: 1,
  })
  const heldOut = [1, 2, 3].flatMap((seed) => generateSessions({ count: 3000, seed, difficulty }))
  const labels = heldOut.map((s) => (s.fraud ? 1 : 0))
  const outcomes = heldOut.map((s) => scorer.score(s.session))
  const byMethod = {
    rules: heldOut.map((s) => rulesOnly.score(s.session).score),
    network: outcomes.map((o) => o.reasons.find((r) => r.code === 'MODEL')?.weight ?? 0),
    combined: outcomes.map((o) => o.score),
  }
  for (const [method, scores] of Object.entries(byMethod)) {
    console.log(
      `| ${difficulty} | ${method} | ${rocAuc(scores, labels).toFixed(3)} | ${precisionAtTop(scores, labels, 0.01).toFixed(3)} | ${brierScore(scores, labels).toFixed(4)} |`,
    )
  }
}
