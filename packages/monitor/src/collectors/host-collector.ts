import { cpus, freemem, loadavg, totalmem } from 'node:os'
import { Counter } from 'prom-client'
import { gaugeOn, type MetricsRegistry } from '../metrics/register.js'

/** `os.cpus()` time fields and the `mode` label node_exporter gives them. */
const CPU_MODES = [
  ['user', 'user'],
  ['nice', 'nice'],
  ['sys', 'system'],
  ['idle', 'idle'],
  ['irq', 'irq'],
] as const

/**
 * Registers host CPU and memory under node_exporter's names, read from `node:os` at collection
 * (cheap, synchronous, no file I/O on the event loop): `node_cpu_seconds_total{cpu,mode}`,
 * `node_memory_MemTotal_bytes`, `node_memory_MemAvailable_bytes` (`os.freemem()`, which libuv
 * reads from MemAvailable on Linux) and `node_load1`. Names already on the registry are left as
 * they are; returns the names this call registered.
 */
export function registerHostCollector(registry: MetricsRegistry): string[] {
  const added: string[] = []
  if (!registry.getSingleMetric('node_cpu_seconds_total')) {
    new Counter({
      name: 'node_cpu_seconds_total',
      help: 'Seconds the host CPUs spent in each mode (from os.cpus()).',
      labelNames: ['cpu', 'mode'],
      registers: [registry],
      collect() {
        this.reset()
        cpus().forEach((cpu, index) => {
          for (const [field, mode] of CPU_MODES)
            this.inc({ cpu: String(index), mode }, cpu.times[field] / 1000)
        })
      },
    })
    added.push('node_cpu_seconds_total')
  }
  const gauges: Array<[string, string, () => number]> = [
    ['node_memory_MemTotal_bytes', 'Host memory in bytes (os.totalmem()).', totalmem],
    ['node_memory_MemAvailable_bytes', 'Host memory available in bytes (os.freemem()).', freemem],
    ['node_load1', 'Host load average over 1 minute (os.loadavg()).', () => loadavg()[0] ?? 0],
  ]
  for (const [name, help, read] of gauges) {
    if (registry.getSingleMetric(name)) continue
    gaugeOn(registry, name, help, [], function collect() {
      this.set(read())
    })
    added.push(name)
  }
  return added
}
