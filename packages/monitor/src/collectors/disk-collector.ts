import { statfs } from 'node:fs/promises'
import type { MetricsRegistry } from '../metrics/register.js'
import { cachedRead } from './cached-read.js'
import type { CollectorErrorHandler } from './collector-errors.js'
import { ownGauge } from './own-gauge.js'

/** Free and total bytes of the file system holding one path. */
export interface DiskSpace {
  path: string
  availBytes: number
  sizeBytes: number
}

/** Reads the file system of `path` with `statfs` (asynchronously, off the event loop). */
export async function readDiskSpace(path: string): Promise<DiskSpace> {
  const s = await statfs(path)
  // node_exporter: avail = f_bavail × f_bsize (what an unprivileged writer may still use), size = f_blocks × f_bsize
  return { path, availBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize }
}

/** Options of {@link registerDiskCollector}. */
export interface DiskCollectorOptions {
  /** Paths whose file systems are measured (a data directory, the SQLite file's directory, …). */
  paths: readonly string[]
  /** How long one `statfs` result is reused (about one scrape interval). @default 10_000 */
  cacheMs?: number
  /** Where a failed `statfs` is reported; that path's series are then left out. */
  onError: CollectorErrorHandler
}

/**
 * Registers `node_filesystem_avail_bytes{path}` and `node_filesystem_size_bytes{path}` (node_exporter's
 * names, labelled by the configured path rather than the mount point), read with an async `statfs`
 * per path, shared by concurrent collections and cached for `cacheMs`. Returns the names registered.
 */
export function registerDiskCollector(registry: MetricsRegistry, options: DiskCollectorOptions): string[] {
  const cacheMs = options.cacheMs ?? 10_000
  const reads = options.paths.map((path) => cachedRead(() => readDiskSpace(path), cacheMs))
  const snapshot = cachedRead(async () => {
    const settled = await Promise.allSettled(reads.map((r) => r.get()))
    const out: DiskSpace[] = []
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') out.push(result.value)
      else options.onError(`disk ${options.paths[i]}`, result.reason)
    })
    return out
  }, 0)
  ownGauge(
    registry,
    'node_filesystem_avail_bytes',
    'Bytes of the file system holding the path that an unprivileged writer can still use (statfs).',
    ['path'],
    async function collect() {
      const disks = await snapshot.get()
      this.reset()
      for (const d of disks) this.set({ path: d.path }, d.availBytes)
    },
  )
  ownGauge(
    registry,
    'node_filesystem_size_bytes',
    'Size in bytes of the file system holding the path (statfs).',
    ['path'],
    async function collect() {
      const disks = await snapshot.get()
      this.reset()
      for (const d of disks) this.set({ path: d.path }, d.sizeBytes)
    },
  )
  return ['node_filesystem_avail_bytes', 'node_filesystem_size_bytes']
}
