import type { Clock } from '@opskit/core'
import { NO_TENANT, setBounded, type TenantScope } from '@opskit/core/internal'
import { NotifyError } from '../errors/notify-error.js'
import type { TenantOption } from '../notifier/notifier-types.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { TemplateRecord } from '../store/records.js'
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
   * has it after a restart or `reload()`; a malformed template throws and stores nothing. With
   * `tenantId` it is that tenant's override: the tenant's sends use it instead of the default of
   * the same name, channel and locale; other tenants never see it.
   */
  save(template: NotificationTemplate, options?: TenantOption): Promise<void>
  /** Validates, registers and stores a partial or layout (a tenant's own with `tenantId`). */
  savePartial(name: string, source: string, options?: TenantOption): Promise<void>
  /** Reads the stored templates and partials again (after another instance saved some). */
  reload(): Promise<void>
  /** Reads and registers a template directory (see the README's layout); an error names the file. */
  loadDirectory(dir: string): Promise<void>
  /** The templates a tenant's sends use: the defaults with the tenant's stored overrides on top. */
  forTenant(tenantId: string): Promise<TemplateRegistry>
}

/** Where the notifier's templates come from, in the order they are registered. */
export interface TemplateSources {
  store: NotifyStore
  clock: Clock
  defaultLocale: string
  tenantOf: TenantScope
  /** Most tenants whose override sets are kept compiled. */
  maxTenantSets: number
  /** Read first. */
  directory?: string
  partials?: Readonly<Record<string, string>>
  templates?: readonly NotificationTemplate[]
}

/** Registers stored records in a registry: partials first, then templates (a file name telling where they came from). */
function registerRecords(
  registry: TemplateRegistry,
  records: readonly TemplateRecord[],
  origin: string,
): void {
  for (const record of records) {
    if (record.kind === 'partial')
      registry.registerPartial(record.name, record.source, `${origin}${record.name}`)
  }
  for (const record of records) {
    if (record.kind !== 'template') continue
    const file = `${origin}${record.template.name}/${record.template.locale}`
    registry.register(record.template, { subject: file, html: file, text: file, title: file })
  }
}

/** The registry of the notifier with tenant override sets, compiled on first use and kept (bounded). */
interface TenantTemplates {
  /** The registry of a resolved tenant (the defaults when it has no overrides). */
  of(tenantId: string): Promise<TemplateRegistry>
  /** A copy of the defaults with `records` on top (throws on a malformed one). */
  fork(records: readonly TemplateRecord[], tenantId: string): TemplateRegistry
  set(tenantId: string, registry: TemplateRegistry): void
  clear(): void
}

function tenantTemplates(base: TemplateRegistry, sources: TemplateSources): TenantTemplates {
  const sets = new Map<string, Promise<TemplateRegistry>>()
  const fork: TenantTemplates['fork'] = (records, tenantId) => {
    const partials: Record<string, string> = {}
    for (const name of base.partials()) partials[name] = base.partialSource(name) as string
    const registry = createTemplateRegistry(base.list(), sources.defaultLocale, partials)
    registerRecords(registry, records, `store:${tenantId}:`)
    return registry
  }
  return {
    of(tenantId) {
      if (tenantId === NO_TENANT) return Promise.resolve(base)
      const cached = sets.get(tenantId)
      if (cached) return cached
      const loading = (async () => {
        const records = (await sources.store.listTemplates?.(tenantId)) ?? []
        return records.length === 0 ? base : fork(records, tenantId)
      })()
      setBounded(sets, tenantId, loading, sources.maxTenantSets)
      loading.catch(() => sets.delete(tenantId))
      return loading
    },
    fork,
    set: (tenantId, registry) => setBounded(sets, tenantId, Promise.resolve(registry), sources.maxTenantSets),
    clear: () => sets.clear(),
  }
}

/**
 * Builds `notifier.templates`: the template directory first, then the configured partials and
 * templates, then those stored in the database without a tenant (partials before templates in
 * each); a later source replaces an earlier template of the same name, channel and locale. A
 * tenant's stored templates go on top of these for that tenant's sends only.
 */
export async function createTemplatesApi(
  sources: TemplateSources,
): Promise<{ templates: NotifierTemplates; templatesOf: TemplatesOf }> {
  const { store, clock, tenantOf } = sources
  const base = createTemplateRegistry([], sources.defaultLocale)
  const tenants = tenantTemplates(base, sources)
  const loadDirectory = async (dir: string) => {
    registerTemplateDirectory(base, await readTemplateDirectory(dir))
    tenants.clear()
  }
  const reload = async () => {
    registerRecords(base, (await store.listTemplates?.(NO_TENANT)) ?? [], 'store:')
    tenants.clear()
  }
  const saving = (): Required<Pick<NotifyStore, 'saveTemplate' | 'listTemplates'>> => {
    if (!store.saveTemplate || !store.listTemplates) {
      throw new NotifyError(
        'NOTIFY_STORE_UNSUPPORTED',
        'this store keeps no templates (it has no saveTemplate)',
      )
    }
    return store as Required<Pick<NotifyStore, 'saveTemplate' | 'listTemplates'>>
  }
  /** Validates `record` (registered where it applies), then stores it. */
  const saveRecord = async (record: TemplateRecord, options: TenantOption | undefined) => {
    const tenantId = tenantOf(options?.tenantId)
    const target = saving()
    if (tenantId === NO_TENANT) {
      registerRecords(base, [record], 'store:')
      tenants.clear()
    } else {
      const records = await target.listTemplates(tenantId)
      tenants.set(tenantId, tenants.fork([...records, record], tenantId))
    }
    await target.saveTemplate(tenantId, record)
  }

  if (sources.directory) registerTemplateDirectory(base, await readTemplateDirectory(sources.directory))
  for (const [name, source] of Object.entries(sources.partials ?? {})) base.registerPartial(name, source)
  for (const template of sources.templates ?? []) base.register(template)
  await reload()

  const templates: NotifierTemplates = {
    ...base,
    register(template, files) {
      base.register(template, files)
      tenants.clear()
    },
    registerPartial(name, source, file) {
      base.registerPartial(name, source, file)
      tenants.clear()
    },
    save: (template, options) =>
      saveRecord(
        {
          kind: 'template',
          template: { ...template, locale: template.locale ?? sources.defaultLocale },
          updatedAt: clock.now(),
        },
        options,
      ),
    savePartial: (name, source, options) =>
      saveRecord({ kind: 'partial', name, source, updatedAt: clock.now() }, options),
    reload,
    loadDirectory,
    forTenant: async (tenantId) => tenants.of(tenantOf(tenantId)),
  }
  return { templates, templatesOf: tenants.of }
}

/** What the send path uses: the registry of a resolved tenant. */
export type TemplatesOf = (tenantId: string) => Promise<TemplateRegistry>
