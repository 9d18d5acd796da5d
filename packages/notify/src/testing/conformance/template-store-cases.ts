import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import type { TemplateRecord } from '../../store/records.js'

/**
 * The cases of {@link runNotifyStoreConformance} for stored templates and partials (left out
 * with `templates: false`): upsert by name, channel and locale, partials listed first, every
 * part and awkward text round-tripping, delete.
 */
export function templateStoreCases(): StoreConformanceCase<NotifyStore>[] {
  return [
    {
      name: 'saves, lists (partials first), replaces and deletes templates and partials',
      run: async ({ store }) => {
        if (!store.listTemplates || !store.saveTemplate || !store.deleteTemplate) {
          throw new Error('this store keeps no templates: pass `templates: false` to the conformance suite')
        }
        const s = store as Required<NotifyStore>
        const prefix = `tpl-${Date.now().toString(36)}`
        const welcomeDe: TemplateRecord = {
          kind: 'template',
          template: {
            name: `${prefix}-welcome`,
            channel: 'email',
            locale: 'de-AT',
            subject: 'Grüß Gott {{ name }}',
            html: '<p>{{ total | money: "EUR" }} — “quotes” \\ {% render "footer" %}</p>',
            text: 'Zeile 1\nZeile 2 🎟️',
            layout: `${prefix}-layout`,
          },
          updatedAt: 1_000,
        }
        const sms: TemplateRecord = {
          kind: 'template',
          template: { name: `${prefix}-code`, channel: 'sms', locale: 'en', text: 'Code {{ code }}' },
          updatedAt: 1_001,
        }
        const partial: TemplateRecord = {
          kind: 'partial',
          name: `${prefix}-layout`,
          source: '<main>{% block content %}{% endblock %}</main>',
          updatedAt: 999,
        }
        await s.saveTemplate('', sms)
        await s.saveTemplate('', welcomeDe)
        await s.saveTemplate('', partial)
        const mine = (await s.listTemplates('')).filter((r) =>
          (r.kind === 'partial' ? r.name : r.template.name).startsWith(prefix),
        )
        expect(mine).toEqual([partial, sms, welcomeDe])
        const all = await s.listTemplates('')
        const firstTemplate = all.findIndex((r) => r.kind === 'template')
        expect(all.slice(firstTemplate).every((r) => r.kind === 'template')).toBe(true)

        const replaced: TemplateRecord = {
          kind: 'template',
          template: { ...sms.template, text: 'Your code: {{ code }}' },
          updatedAt: 2_000,
        }
        await s.saveTemplate('', replaced)
        await s.saveTemplate('', {
          ...partial,
          source: '<div>{% block content %}{% endblock %}</div>',
          updatedAt: 2_001,
        })
        const after = (await s.listTemplates('')).filter((r) =>
          (r.kind === 'partial' ? r.name : r.template.name).startsWith(prefix),
        )
        expect(after).toHaveLength(3)
        expect(after).toContainEqual(replaced)
        expect(after.find((r) => r.kind === 'partial')).toMatchObject({
          source: '<div>{% block content %}{% endblock %}</div>',
        })

        expect(
          await s.deleteTemplate('', {
            kind: 'template',
            name: `${prefix}-code`,
            channel: 'sms',
            locale: 'en',
          }),
        ).toBe(true)
        expect(
          await s.deleteTemplate('', {
            kind: 'template',
            name: `${prefix}-code`,
            channel: 'sms',
            locale: 'en',
          }),
        ).toBe(false)
        expect(
          await s.deleteTemplate('', {
            kind: 'template',
            name: `${prefix}-welcome`,
            channel: 'email',
            locale: 'de',
          }),
        ).toBe(false)
        expect(await s.deleteTemplate('', { kind: 'partial', name: `${prefix}-layout` })).toBe(true)
        const left = (await s.listTemplates('')).filter((r) =>
          (r.kind === 'partial' ? r.name : r.template.name).startsWith(prefix),
        )
        expect(left).toEqual([welcomeDe])
      },
    },
  ]
}
