import { parseInput } from '@opskit/core'
import { NotifyError } from '../errors/notify-error.js'
import { type ParsedSendInput, sendInputSchema } from './message-schema.js'

/** The `NOTIFY_INVALID_MESSAGE` error of invalid input, with the field paths in `details.issues`. */
export function invalidMessage(message: string, issues: unknown): NotifyError {
  return new NotifyError('NOTIFY_INVALID_MESSAGE', `invalid notification: ${message}`, {
    details: { issues },
  })
}

/** Parses `send()` input against {@link sendInputSchema}; throws {@link invalidMessage} when it does not fit. */
export function parseSendInput(input: unknown): ParsedSendInput {
  return parseInput(sendInputSchema, input, invalidMessage)
}
