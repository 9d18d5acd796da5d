/**
 * Neumaier-compensated summation, as Prometheus 3 sums floats (`kahansum.Inc`): `sum` is the
 * running total, `c` the accumulated rounding error; the result is `sum + c`. An infinite
 * running total drops the compensation.
 */
export class KahanSum {
  sum = 0
  c = 0

  constructor(first = 0) {
    this.sum = first
  }

  add(inc: number): void {
    const t = this.sum + inc
    if (t === Number.POSITIVE_INFINITY || t === Number.NEGATIVE_INFINITY) this.c = 0
    else if (Math.abs(this.sum) >= Math.abs(inc)) this.c += this.sum - t + inc
    else this.c += inc - t + this.sum
    this.sum = t
  }

  /** The compensated total. */
  value(): number {
    return this.sum + this.c
  }
}

/**
 * The mean as Prometheus 3 computes it for `avg` and `avg_over_time`: a compensated sum
 * divided by the count, switching to an incremental mean only when the sum would overflow.
 */
export class KahanMean {
  private readonly total: KahanSum
  private count = 1
  private incremental = false
  private mean = 0

  constructor(first: number) {
    this.total = new KahanSum(first)
  }

  add(value: number): void {
    this.count++
    const total = this.total
    if (!this.incremental) {
      const t = total.sum + value
      if (t !== Number.POSITIVE_INFINITY && t !== Number.NEGATIVE_INFINITY) {
        total.add(value)
        return
      }
      this.incremental = true
      this.mean = total.sum / (this.count - 1)
      total.c /= this.count - 1
    }
    const q = (this.count - 1) / this.count
    const next = new KahanSum(q * this.mean)
    next.c = q * total.c
    next.add(value / this.count)
    this.mean = next.sum
    total.c = next.c
  }

  value(): number {
    if (this.incremental) return this.mean + this.total.c
    return this.total.sum / this.count + this.total.c / this.count
  }
}
