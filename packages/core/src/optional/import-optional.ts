import { CoreError } from '../errors/opskit-error.js'

/**
 * Loads an optional peer dependency on first use, or throws
 * `CORE_OPTIONAL_DEPENDENCY_MISSING` with the install command when the host does not have it.
 *
 * @example
 * ```ts
 * const nodemailer = await importOptional<typeof import('nodemailer')>('nodemailer', '@opskit/notify/smtp')
 * ```
 */
export async function importOptional<T>(moduleName: string, neededBy: string): Promise<T> {
  try {
    const loaded = (await import(moduleName)) as T & { default?: T }
    return loaded
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CoreError(
        'CORE_OPTIONAL_DEPENDENCY_MISSING',
        `${neededBy} needs the optional dependency "${moduleName}": run \`npm install ${moduleName}\``,
        { cause: error, details: { module: moduleName, neededBy } },
      )
    }
    throw error
  }
}
