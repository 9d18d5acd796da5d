import { MonitorError } from '../errors/monitor-error.js'

/** Posts JSON and classifies the outcome: 429/5xx/network are retryable, other 4xx are not. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  channel: string,
): Promise<{ status: number; text: string }> {
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal,
    })
  } catch (error) {
    throw new MonitorError(
      'MONITOR_CHANNEL_FAILED',
      `${channel}: request failed (${(error as Error).name})`,
      {
        retryable: !signal.aborted,
        cause: error as Error,
      },
    )
  }
  const text = (await response.text()).slice(0, 2000)
  if (response.status === 429 || response.status >= 500) {
    const retryAfter = Number(response.headers.get('retry-after'))
    throw new MonitorError(
      'MONITOR_CHANNEL_FAILED',
      `${channel}: HTTP ${response.status} ${text.slice(0, 200)}`,
      {
        retryable: true,
        details: {
          status: response.status,
          ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
        },
      },
    )
  }
  if (response.status >= 400) {
    throw new MonitorError(
      'MONITOR_CHANNEL_FAILED',
      `${channel}: HTTP ${response.status} ${text.slice(0, 200)}`,
      {
        retryable: false,
        details: { status: response.status },
      },
    )
  }
  return { status: response.status, text }
}
