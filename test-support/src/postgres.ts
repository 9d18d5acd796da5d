import { execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { freePort } from './free-port.js'

/** A running throwaway PostgreSQL cluster; see {@link startPostgres}. */
export interface PostgresCluster {
  /** Connection URL of the `postgres` database as the `postgres` superuser. */
  url: string
  port: number
  /** A Kysely instance on `url`. */
  db: Kysely<Record<string, never>>
  /** Creates a fresh database and returns its URL (tests use one each, for isolation). */
  createDatabase(name?: string): Promise<string>
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>
}

/** Finds a PostgreSQL server binary: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin. */
export function findPostgresBinary(name: 'initdb' | 'pg_ctl' | 'postgres'): string {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || lookInDebianDir(name)
    )
  } catch {
    return lookInDebianDir(name)
  }
}

function lookInDebianDir(name: string): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : []
  for (const version of versions) {
    const candidate = join(root, version, 'bin', name)
    if (existsSync(candidate)) return candidate
  }
  throw new Error(
    `PostgreSQL's ${name} was not found on PATH nor under ${root}: install the Debian package "postgresql"`,
  )
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function postgresUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (the server refuses root). */
function runPg(binary: string, args: string[]): void {
  const [command, fullArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args]
  execFileSync(command as string, fullArgs as string[], { stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's durable defaults (fsync, full_page_writes, synchronous_commit on), as
   * benchmarks need. Tests leave it off: they do not survive power loss and run faster without.
   * @default false
   */
  durable?: boolean
}

/**
 * Starts a throwaway PostgreSQL cluster: `initdb` on a temporary directory, then `pg_ctl start`
 * on a free loopback port, with fsync, full_page_writes and synchronous_commit off unless
 * `durable`. A watchdog process stops the server if this process dies without calling `stop()`,
 * so no postgres survives a test run.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const initdb = findPostgresBinary('initdb')
  const pgCtl = findPostgresBinary('pg_ctl')
  const dir = mkdtempSync(join(tmpdir(), 'opskit-pg-'))
  const dataDir = join(dir, 'data')
  if (isRoot) {
    const { uid, gid } = postgresUserIds()
    chownSync(dir, uid, gid)
  }
  runPg(initdb, [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-locale',
    '--no-sync',
  ])
  const port = await freePort()
  const fast = options.durable ? '' : ' -c fsync=off -c full_page_writes=off -c synchronous_commit=off'
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${fast}`
  runPg(pgCtl, ['-D', dataDir, '-o', serverOptions, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'])

  const stopCommand = isRoot
    ? `runuser -u postgres -- ${pgCtl} -D ${dataDir} -m immediate -w stop; rm -rf ${dir}`
    : `${pgCtl} -D ${dataDir} -m immediate -w stop; rm -rf ${dir}`
  const watchdogScript = join(tmpdir(), `opskit-pg-watchdog-${port}.sh`)
  writeFileSync(
    watchdogScript,
    `while kill -0 ${process.pid} 2>/dev/null && [ -d ${dataDir} ]; do sleep 1; done; if [ -d ${dataDir} ]; then ${stopCommand}; fi; rm -f ${watchdogScript}\n`,
  )
  const watchdog = spawn('sh', [watchdogScript], { detached: true, stdio: 'ignore' })
  watchdog.unref()

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  // An idle client whose server goes away emits 'error'; unhandled, that would kill the test run.
  pool.on('error', () => {})
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) })
  let stopped = false
  let counter = 0
  return {
    url,
    port,
    db,
    async createDatabase(name) {
      const database = name ?? `t_${process.pid}_${Date.now().toString(36)}_${counter++}`
      if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`)
      await pool.query(`CREATE DATABASE ${database}`)
      return `postgres://postgres@127.0.0.1:${port}/${database}`
    },
    async stop() {
      if (stopped) return
      stopped = true
      // Kysely ends the pool only if it used it; createDatabase() uses the pool directly.
      await db.destroy().catch(() => {})
      await pool.end().catch(() => {})
      try {
        runPg(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'])
      } catch {
        runPg(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Opens a Kysely instance on a PostgreSQL URL (the caller destroys it). */
export function openPostgres(url: string, max = 10): Kysely<Record<string, never>> {
  return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max }) }) })
}
