/** Label used for requests that match no known route template (never the raw URL). */
export const UNMATCHED_ROUTE = '__unmatched__'

interface CompiledRoute {
  template: string
  pattern: RegExp
}

/**
 * Matches a request path against route templates such as `/users/:id` or `/files/*`, returning
 * the template (the metric label) or `undefined`. Exact templates win over parameterised ones.
 */
export function createRouteMatcher(templates: readonly string[]): (path: string) => string | undefined {
  const exact = new Map<string, string>()
  const compiled: CompiledRoute[] = []
  for (const template of templates) {
    if (!template.includes(':') && !template.includes('*')) {
      exact.set(template, template)
      continue
    }
    const source = template
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) return '[^/]+'
        if (segment === '*') return '.*'
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('/')
    compiled.push({ template, pattern: new RegExp(`^${source}/?$`) })
  }
  return (path) => {
    const hit = exact.get(path)
    if (hit) return hit
    for (const route of compiled) if (route.pattern.test(path)) return route.template
    return undefined
  }
}
