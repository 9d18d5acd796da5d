import type { TestProject } from 'vitest/node'
import { type PostgresCluster, startPostgres } from './postgres.js'
import './provided-context.js'

let cluster: Promise<PostgresCluster> | undefined
let users = 0

/**
 * Vitest global setup shared by every project: starts one PostgreSQL cluster for the run
 * (unless `OPSKIT_DIALECTS` leaves postgres out) and stops it at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = (process.env.OPSKIT_DIALECTS ?? 'sqlite,postgres').split(',')
  if (!wanted.includes('postgres')) {
    project.provide('opskitPostgresUrl', '')
    return async () => {}
  }
  users++
  cluster ??= startPostgres()
  project.provide('opskitPostgresUrl', (await cluster).url)
  return async () => {
    users--
    if (users === 0 && cluster) {
      const running = cluster
      cluster = undefined
      await (await running).stop()
    }
  }
}
