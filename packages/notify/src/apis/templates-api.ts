import type { Clock } from '@opskit/core'
import { NotifyError } from '../errors/notify-error.js'
import type { NotifyStore } from '../store/notify-store.js'
import { readTemplateDirectory, registerTemplateDirectory } from '../templates/template-directory.js'
import {
  createTemplateRegistry,
  type NotificationTemplate,
  type TemplateRegistry,
} from '../templates/template-registry.js'

/** `notifier.templates`: the registry, plus templates kept in the host's database and read from directories. */
export interface NotifierTemplates extends TemplateRegistry {
  /**
   * Validates and registers a template, then stores it (`notify_templates`), so every instance
   * has it after a restart or `reload()`; a malformed template throws and stores nothing.
   */
  save(template: NotificationTemplate): Promise<void>
  /** Validates, registers and stores a partial or layout. */
  savePartial(name: string, source: string): Promise<void>
  /** Reads the stored templates and partials again (after another instance saved some). */
  reload(): Promise<void>
  /** Reads and registers a template directory (see the README's layout); an error names the file. */
  loadDirectory(dir: string): Promise<void>
}

/** Where the notifier's templates come from, in the order they are registered. */
export interface TemplateSources {
  store: NotifyStore
  clock: Clock
  defaultLocale: string
  /** Read first. */
  directory?: string
  partials?: Readonly<Record<string, string>>
  templates?: readonly NotificationTemplate[]
}

/**
 * Builds `notifier.templates`: the template directory first, then the configured partials and
 * templates, then those stored in the database (partials before templates in each); a later
 * source replaces an earlier template of the same name, channel and locale.
 */
export async function createTemplatesApi(sources: TemplateSources): Promise<NotifierTemplates> {
  const { store, clock } = sources
  const registry = createTemplateRegistry([], sources.defaultLocale)
  const loadDirectory = async (dir: string) =>
    registerTemplateDirectory(registry, await readTemplateDirectory(dir))
  const reload = async () => {
    const records = (await store.listTemplates?.()) ?? []
    for (const record of records) {
      if (record.kind === 'partial')
        registry.registerPartial(record.name, record.source, `store:${record.name}`)
    }
    for (const record of records) {
      if (record.kind !== 'template') continue
      const file = `store:${record.template.name}/${record.template.locale}`
      registry.register(record.template, { subject: file, html: file, text: file, title: file })
    }
  }
  const saving = (): Required<Pick<NotifyStore, 'saveTemplate'>> => {
    if (!store.saveTemplate) {
      throw new NotifyError(
        'NOTIFY_STORE_UNSUPPORTED',
        'this store keeps no templates (it has no saveTemplate)',
      )
    }
    return store as Required<Pick<NotifyStore, 'saveTemplate'>>
  }

  if (sources.directory) await loadDirectory(sources.directory)
  for (const [name, source] of Object.entries(sources.partials ?? {})) registry.registerPartial(name, source)
  for (const template of sources.templates ?? []) registry.register(template)
  await reload()

  return {
    ...registry,
    async save(template) {
      const target = saving()
      registry.register(template)
      const locale = template.locale ?? sources.defaultLocale
      await target.saveTemplate({
        kind: 'template',
        template: { ...template, locale },
        updatedAt: clock.now(),
      })
    },
    async savePartial(name, source) {
      const target = saving()
      registry.registerPartial(name, source)
      await target.saveTemplate({ kind: 'partial', name, source, updatedAt: clock.now() })
    },
    reload,
    loadDirectory,
  }
}
