import type { IncomingMessage, ServerResponse } from 'node:http'

/** What a route handler receives. */
export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  params: Record<string, string>
  url: URL
}

/** A route handler. */
export type RouteHandler = (ctx: RouteContext) => Promise<void> | void

interface Route {
  method: string
  template: string
  pattern: RegExp
  names: string[]
  handler: RouteHandler
}

/** A small method + path-template router (`/api/orders/:id/refund`). */
export class Router {
  readonly #routes: Route[] = []

  /** Adds a route. */
  on(method: string, template: string, handler: RouteHandler): this {
    const names: string[] = []
    const source = template
      .split('/')
      .map((part) => {
        if (part.startsWith(':')) {
          names.push(part.slice(1))
          return '([^/]+)'
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('/')
    this.#routes.push({ method, template, pattern: new RegExp(`^${source}$`), names, handler })
    return this
  }

  /** The template of the route a path belongs to, for the RED metrics' `route` label. */
  templateOf(path: string): string | undefined {
    return this.#routes.find((route) => route.pattern.test(path))?.template
  }

  /** Finds the route of a request: the handler, or `405`/`404` information. */
  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | { status: 404 | 405 } {
    let pathMatched = false
    for (const route of this.#routes) {
      const m = route.pattern.exec(path)
      if (!m) continue
      pathMatched = true
      if (route.method !== method) continue
      const params: Record<string, string> = {}
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '')
      })
      return { handler: route.handler, params }
    }
    return { status: pathMatched ? 405 : 404 }
  }
}
