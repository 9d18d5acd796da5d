import { GCProfiler, getHeapSpaceStatistics, type HeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

function usedBytes(spaces: HeapSpaceStatistics[], name: string): number {
  return spaces.find((space) => space.spaceName === name)?.spaceUsedSize ?? 0
}

/**
 * Runs `work` and returns, for each young-generation collection (scavenge) V8 ran by itself
 * meanwhile, the bytes it kept: what it left in the young generation plus what it promoted to
 * the old one. Garbage that dies young keeps this near zero; what survives is what makes V8
 * grow its heap, and so the process's resident memory.
 */
export async function scavengeSurvivals(work: () => Promise<void>): Promise<number[]> {
  const profiler = new GCProfiler()
  profiler.start()
  try {
    await work()
  } catch (error) {
    profiler.stop()
    throw error
  }
  return profiler
    .stop()
    .statistics.filter((gc) => gc.gcType === 'Scavenge')
    .map(
      (gc) =>
        usedBytes(gc.afterGC.heapSpaceStatistics, 'new_space') +
        usedBytes(gc.afterGC.heapSpaceStatistics, 'old_space') -
        usedBytes(gc.beforeGC.heapSpaceStatistics, 'old_space'),
    )
}

/**
 * A function that forces a young-generation collection and returns the bytes it kept (left in
 * the young generation plus promoted), to call between steps of some work: what the work holds
 * at that point. Enables `gc()` in this process (`--expose-gc`) if it is not yet.
 */
export function createScavengeProbe(): () => number {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void
  const used = (name: string) =>
    getHeapSpaceStatistics().find((space) => space.space_name === name)?.space_used_size ?? 0
  return () => {
    const old = used('old_space')
    gc({ type: 'minor' })
    return used('new_space') + used('old_space') - old
  }
}

/** The median of `values` (the upper one of an even count); throws on none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median() needs at least one value')
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
}
