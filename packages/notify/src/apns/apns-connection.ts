import { type ClientHttp2Session, connect, constants } from 'node:http2'

/** An APNs answer: status, headers, body text. */
export interface ApnsResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP/2 session to APNs, reused by every request and reopened when it drops. */
export interface ApnsConnection {
  /** POSTs `body` for one device token as a stream of the session; rejects on a network error or reset. */
  post(
    token: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<ApnsResponse>
  /** The current session, connecting if there is none. */
  session(): ClientHttp2Session
  /** Closes the session (a later request opens a new one). */
  close(): Promise<void>
}

/** Opens sessions to `origin` on demand; each request times out after `timeoutMs`. */
export function createApnsConnection(origin: string, timeoutMs: number): ApnsConnection {
  let session: ClientHttp2Session | undefined

  const getSession = (): ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session
    const created = connect(origin)
    created.on('error', () => {
      if (session === created) session = undefined
    })
    created.on('close', () => {
      if (session === created) session = undefined
    })
    created.on('goaway', () => {
      if (session === created) session = undefined
    })
    created.unref()
    session = created
    return created
  }

  const post = (
    token: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<ApnsResponse> =>
    new Promise((resolve, reject) => {
      const stream = getSession().request(
        {
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(token)}`,
          ...headers,
        },
        signal ? { signal } : {},
      )
      const chunks: Buffer[] = []
      let responseHeaders: Record<string, string | string[] | undefined> = {}
      const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), timeoutMs)
      timer.unref()
      stream.on('response', (h) => {
        responseHeaders = h as Record<string, string | string[] | undefined>
      })
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        clearTimeout(timer)
        resolve({
          status: Number(responseHeaders[':status'] ?? 0),
          headers: responseHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        })
      })
      stream.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      stream.on('close', () => {
        clearTimeout(timer)
        if (stream.rstCode && stream.rstCode !== constants.NGHTTP2_NO_ERROR)
          reject(new Error(`stream reset (${stream.rstCode})`))
      })
      stream.end(body)
    })

  return {
    post,
    session: getSession,
    async close() {
      const current = session
      session = undefined
      if (current && !current.closed) await new Promise<void>((resolve) => current.close(() => resolve()))
    },
  }
}
