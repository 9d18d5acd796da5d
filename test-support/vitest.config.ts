import { opskitProject } from './vitest-project.js'

export default opskitProject('test-support')
