import type { IncomingMessage, ServerResponse } from 'node:http'
import { describeIssues } from '@opskit/core'
import type { z } from 'zod'
import { HttpError } from './http-error.js'

const MAX_BODY_BYTES = 64 * 1024

/** Reads a request body up to 64 KiB. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'BODY_TOO_LARGE', 'request body over 64 KiB')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Reads a JSON body and validates it with a zod schema (400 with field paths when invalid). */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
  const text = await readBody(req)
  let value: unknown
  try {
    value = text === '' ? {} : JSON.parse(text)
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON')
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues)
    throw new HttpError(
      400,
      'INVALID_INPUT',
      issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
      issues,
    )
  }
  return parsed.data
}

/** Sends a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(payload)
}
