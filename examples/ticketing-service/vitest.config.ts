import { opskitProject } from '../../test-support/vitest-project.js'

export default opskitProject('ticketing-service', { testTimeout: 60_000 })
