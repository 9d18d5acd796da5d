// Values the shared global setup hands to every test file through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test run's PostgreSQL cluster (superuser, `postgres` database); empty when off. */
    opskitPostgresUrl: string
  }
}

export {}
