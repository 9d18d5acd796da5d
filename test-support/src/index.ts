/**
 * Real parts for opskit's own tests: PostgreSQL, SMTP, loopback HTTP fakes and the dialect matrix.
 * @packageDocumentation
 */

export {
  createPostgresDatabase,
  type DialectContext,
  enabledDialects,
  forEachDialect,
  postgresUrl,
  tempSqlitePath,
} from './dialects.js'
export { freePort } from './free-port.js'
export { createScavengeProbe, median, scavengeSurvivals } from './gc-survival.js'
export {
  type FakeHandler,
  type FakeResponse,
  type HttpFake,
  type HttpFakeOptions,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.js'
export { describePackageExports, type PackageExportsSpec } from './package-exports.js'
export {
  findPostgresBinary,
  openPostgres,
  type PostgresCluster,
  type StartPostgresOptions,
  startPostgres,
} from './postgres.js'
export {
  type CapturedMail,
  type SmtpRejection,
  type SmtpTestServer,
  type SmtpTestServerOptions,
  startSmtpServer,
} from './smtp.js'
