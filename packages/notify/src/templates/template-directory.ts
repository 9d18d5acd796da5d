import { lstat, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NotifyError } from '../errors/notify-error.js'
import { CHANNELS, type Channel } from '../types/channel.js'
import type { NotificationTemplate, TemplatePart, TemplateRegistry } from './template-registry.js'

/** Folders of a template directory that hold partials and layouts rather than templates. */
const SHARED_FOLDERS = ['_partials', '_layouts'] as const
const PARTS = new Set<string>(['subject', 'html', 'text', 'title'])
/** `<locale>.<part>.liquid` (email) or `<locale>.<channel>.<part>.liquid`. */
const FILE = /^([a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*)\.(?:([a-z_]+)\.)?([a-z]+)\.liquid$/
const NAME = /^[A-Za-z0-9_.-]{1,200}$/

/** What a template directory holds, read and checked, not registered yet. */
export interface TemplateDirectoryContent {
  partials: Array<{ name: string; source: string; file: string }>
  templates: Array<{ template: NotificationTemplate; files: Partial<Record<TemplatePart, string>> }>
}

function refuse(file: string, message: string): NotifyError {
  return new NotifyError('NOTIFY_TEMPLATE_ERROR', `template directory: ${file}: ${message}`, {
    details: { file },
  })
}

/** The visible entries of a folder; a symbolic link is refused (nothing outside the directory is read). */
async function entries(dir: string, relative: string) {
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort()
  const out: Array<{ name: string; path: string; file: string; isDirectory: boolean }> = []
  for (const name of names) {
    const path = join(dir, name)
    const stat = await lstat(path)
    const file = relative ? `${relative}/${name}` : name
    if (stat.isSymbolicLink()) throw refuse(file, 'symbolic links are not followed')
    out.push({ name, path, file, isDirectory: stat.isDirectory() })
  }
  return out
}

/**
 * Reads a template directory: one folder per template holding one file per locale and part —
 * `welcome/en.subject.liquid`, `welcome/de.html.liquid`, `welcome/en.text.liquid` for email, and
 * `<locale>.<channel>.<part>.liquid` for other channels (`login-code/en.sms.text.liquid`,
 * `doors/de.push.title.liquid`) — plus `_partials/<name>.liquid` and `_layouts/<name>.liquid`.
 * Any other file is an error naming it; symbolic links are refused.
 */
export async function readTemplateDirectory(dir: string): Promise<TemplateDirectoryContent> {
  const content: TemplateDirectoryContent = { partials: [], templates: [] }
  const byKey = new Map<string, TemplateDirectoryContent['templates'][number]>()
  for (const folder of await entries(dir, '')) {
    if (!folder.isDirectory)
      throw refuse(folder.file, 'expected a folder per template (or _partials, _layouts)')
    const shared = (SHARED_FOLDERS as readonly string[]).includes(folder.name)
    if (!shared && !NAME.test(folder.name))
      throw refuse(folder.file, 'a template name is 1-200 of A-Z a-z 0-9 _ . -')
    for (const entry of await entries(folder.path, folder.file)) {
      if (entry.isDirectory) throw refuse(entry.file, 'unexpected folder')
      const source = await readFile(entry.path, 'utf8')
      if (shared) {
        const name = entry.name.replace(/\.liquid$/, '')
        if (name === entry.name || !NAME.test(name)) throw refuse(entry.file, 'expected <name>.liquid')
        if (content.partials.some((partial) => partial.name === name))
          throw refuse(entry.file, `a partial or layout named "${name}" exists already`)
        content.partials.push({ name, source, file: entry.file })
        continue
      }
      const match = FILE.exec(entry.name)
      const [, locale, channelName = 'email', part] = match ?? []
      if (
        !match ||
        !locale ||
        !part ||
        !PARTS.has(part) ||
        !(CHANNELS as readonly string[]).includes(channelName)
      ) {
        throw refuse(
          entry.file,
          'expected <locale>.<part>.liquid or <locale>.<channel>.<part>.liquid (parts: subject, html, text, title)',
        )
      }
      const channel = channelName as Channel
      const key = `${channel}\u0000${locale.toLowerCase()}`
      let found = byKey.get(`${folder.name}\u0000${key}`)
      if (!found) {
        found = { template: { name: folder.name, channel, locale }, files: {} }
        byKey.set(`${folder.name}\u0000${key}`, found)
        content.templates.push(found)
      }
      found.template[part as TemplatePart] = source
      found.files[part as TemplatePart] = entry.file
    }
  }
  return content
}

/** Registers what {@link readTemplateDirectory} read: partials and layouts first, then the templates. */
export function registerTemplateDirectory(
  registry: TemplateRegistry,
  content: TemplateDirectoryContent,
): void {
  for (const partial of content.partials) registry.registerPartial(partial.name, partial.source, partial.file)
  for (const { template, files } of content.templates) registry.register(template, files)
}
