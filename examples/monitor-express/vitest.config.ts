import { opskitProject } from '../../test-support/vitest-project.js'

export default opskitProject('monitor-express')
