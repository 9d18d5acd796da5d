import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type {
  ClientHttp2Session,
  ClientSessionOptions,
  ClientSessionRequestOptions,
  connect as http2Connect,
  OutgoingHttpHeaders,
} from 'node:http2'
import { constants, createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2'
import { Agent } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'

/** What the fake answers for a token: FCM HTTP v1 error status and `FcmError.errorCode`. */
export interface FcmWireError {
  httpStatus: number
  status: string
  errorCode?: string
  message: string
}

/**
 * A loopback HTTPS fake of FCM HTTP v1 (`POST /v1/projects/:project/messages:send`) that checks
 * the bearer token and answers per token with FCM's real error JSON, over HTTP/2 (ALPN `h2`) and
 * HTTP/1.1 on the same TLS port, with a certificate for `fcm.googleapis.com`. `agent` is an
 * https.Agent that sends every connection (whatever host firebase-admin asks for) to the fake, for
 * the legacy HTTP/1.1 transport; `redirectHttp2(connect)` wraps `http2.connect` so that a session
 * opened for `https://fcm.googleapis.com` gets its TLS socket from the fake (the authority, SNI
 * and certificate check stay those of fcm.googleapis.com).
 */
export async function startFcmWireFake(options: {
  projectId: string
  accessToken: string
  /**
   * What FCM takes for a registration token; any other token is answered 400 INVALID_ARGUMENT
   * "The registration token is not a valid FCM registration token", as FCM v1 answers a raw APNs
   * device token. @default every token
   */
  validToken?: (token: string) => boolean
}) {
  const dir = mkdtempSync(join(tmpdir(), 'opskit-fcm-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=fcm.googleapis.com',
      '-addext',
      'subjectAltName=DNS:fcm.googleapis.com',
    ],
    { stdio: 'ignore' },
  )
  const key = readFileSync(join(dir, 'key.pem'))
  const cert = readFileSync(join(dir, 'cert.pem'))
  rmSync(dir, { recursive: true, force: true })
  const accepted: Array<{ token: string; message: Record<string, unknown> }> = []
  const errors = new Map<string, FcmWireError>()
  const next: FcmWireError[] = []
  const paths: string[] = []
  const versions: string[] = []
  let refused = 0
  const perSession = new WeakMap<ServerHttp2Session, number>()
  const goaway = {
    after: undefined as number | undefined,
    sent: new WeakSet<ServerHttp2Session>(),
    lastStream: new WeakMap<ServerHttp2Session, number>(),
  }
  const sessions = { http2: 0 }
  const server: Http2SecureServer = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
    const stream = 'stream' in req ? req.stream : undefined
    if (stream && goaway.after !== undefined) {
      const session = stream.session as ServerHttp2Session
      const served = (perSession.get(session) ?? 0) + 1
      perSession.set(session, served)
      if (served > goaway.after) {
        // what a front end going away does: GOAWAY naming the last stream it handled, the
        // streams above it refused (they were not processed, the client may send them again)
        if (!goaway.sent.has(session)) {
          goaway.sent.add(session)
          session.goaway(
            constants.NGHTTP2_NO_ERROR,
            goaway.lastStream.get(session) ?? 0,
            Buffer.from('max_age'),
          )
        }
        stream.close(constants.NGHTTP2_REFUSED_STREAM)
        refused += 1
        return
      }
      goaway.lastStream.set(session, stream.id ?? 0)
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      paths.push(`${req.method} ${req.headers[':authority'] ?? req.headers.host} ${req.url}`)
      versions.push(req.httpVersion)
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (req.headers.authorization !== `Bearer ${options.accessToken}`) {
        return send(401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        })
      }
      if (req.method !== 'POST' || req.url !== `/v1/projects/${options.projectId}/messages:send`) {
        return send(404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } })
      }
      let body: { message: { token: string } & Record<string, unknown> }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString())
      } catch {
        return send(400, {
          error: { code: 400, message: 'Invalid JSON payload', status: 'INVALID_ARGUMENT' },
        })
      }
      const malformed =
        options.validToken && !options.validToken(body.message.token)
          ? {
              httpStatus: 400,
              status: 'INVALID_ARGUMENT',
              errorCode: 'INVALID_ARGUMENT',
              message: 'The registration token is not a valid FCM registration token',
            }
          : undefined
      const error = next.shift() ?? errors.get(body.message.token) ?? malformed
      if (error) {
        return send(error.httpStatus, {
          error: {
            code: error.httpStatus,
            message: error.message,
            status: error.status,
            details: error.errorCode
              ? [
                  {
                    '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
                    errorCode: error.errorCode,
                  },
                ]
              : [],
          },
        })
      }
      accepted.push({ token: body.message.token, message: body.message })
      send(200, { name: `projects/${options.projectId}/messages/${accepted.length}` })
    })
  })
  const open = new Set<ServerHttp2Session>()
  server.on('session', (session: ServerHttp2Session) => {
    sessions.http2 += 1
    open.add(session)
    session.on('close', () => open.delete(session))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  const agent = new Agent({ keepAlive: true })
  // every connection goes to the fake, whatever host the library asked for
  ;(agent as unknown as { createConnection: (opts: object, cb?: unknown) => unknown }).createConnection = (
    opts: object,
  ) => connect({ ...opts, host: '127.0.0.1', port, ca: cert, servername: 'fcm.googleapis.com' })
  const toFake = () =>
    connect({ host: '127.0.0.1', port, ca: cert, servername: 'fcm.googleapis.com', ALPNProtocols: ['h2'] })
  const authorities: string[] = []
  const schemes: string[] = []
  return {
    agent,
    accepted,
    paths,
    /** `'2.0'` or `'1.1'` per request, in arrival order. */
    versions,
    /** HTTP/2 sessions the fake accepted. */
    sessions,
    /** The authorities firebase-admin opened HTTP/2 sessions for. */
    authorities,
    /**
     * Wraps the real `http2.connect`: same authority and options, the socket comes from the fake.
     * firebase-admin 13 sends the pseudo-header `:scheme: https:` (its URL's `protocol`, colon
     * included), which RFC 9113 forbids and nghttp2 — Node's HTTP/2 server — refuses with a
     * stream PROTOCOL_ERROR (Google's front end tolerates it); the wrapper rewrites that one value
     * to `https` and records what the library sent in `schemes`.
     */
    redirectHttp2:
      (realConnect: typeof http2Connect) =>
      (
        authority: string | URL,
        options?: ClientSessionOptions | ((...args: unknown[]) => void),
        listener?: (...args: unknown[]) => void,
      ): ClientHttp2Session => {
        authorities.push(String(authority))
        const opts: ClientSessionOptions =
          typeof options === 'object' && options !== null ? { ...options } : {}
        const session = realConnect(
          authority,
          { ...opts, createConnection: toFake },
          (typeof options === 'function' ? options : listener) as () => void,
        )
        const request = session.request.bind(session)
        session.request = (headers?: OutgoingHttpHeaders, requestOptions?: ClientSessionRequestOptions) => {
          const scheme = headers?.[':scheme']
          schemes.push(String(scheme))
          return request(scheme === 'https:' ? { ...headers, ':scheme': 'https' } : headers, requestOptions)
        }
        return session
      },
    /** The `:scheme` values firebase-admin sent. */
    schemes,
    tokenError: (token: string, error: FcmWireError) => errors.set(token, error),
    /** HTTP/2 streams refused after a GOAWAY. */
    refused: () => refused,
    /** HTTP/2: after answering `n` requests of a session, send GOAWAY and refuse its other streams. */
    goawayAfter: (n: number | undefined): void => {
      goaway.after = n
    },
    /** Answers the next request with this error, whatever its token. */
    failNext: (error: FcmWireError): void => {
      next.push(error)
    },
    stop: async () => {
      agent.destroy()
      for (const session of open) session.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
