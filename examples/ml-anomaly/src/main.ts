// `npm start -w @opskit-examples/ml-anomaly`: 8 hours of per-minute latency with a 10-minute
// incident, streamed through @opskit/ml's z-score detector; prints what it flagged.
import { detect, latencySeries } from './detect.js'

const series = latencySeries({ points: 480, incidentAt: 300, incidentLength: 10 })
const flagged = await detect(series)
console.log(`${series.length} points, incident at minutes 300–309; ${flagged.length} flagged:`)
for (const { index, result } of flagged) {
  console.log(
    `  minute ${index}: ${series[index]?.value} ms, score ${result.score.toFixed(3)} (${result.reason})`,
  )
}
