/**
 * How far along a message a provider's status word is, for ordering delivery reports that arrive
 * out of order: acceptance (0), in transit (1), a final delivery outcome (2), engagement after
 * delivery (3), and the recipient's own later actions (4). Twilio and SendGrid status words are
 * known; an unknown word counts as a final outcome.
 */
const STAGES: Readonly<Record<string, number>> = {
  // Twilio
  accepted: 0,
  scheduled: 0,
  queued: 0,
  sending: 1,
  sent: 1,
  delivered: 2,
  undelivered: 2,
  failed: 2,
  canceled: 2,
  read: 3,
  // SendGrid (delivered shared with Twilio)
  processed: 0,
  deferred: 1,
  bounce: 2,
  blocked: 2,
  dropped: 2,
  open: 3,
  click: 3,
  spamreport: 4,
  unsubscribe: 4,
  group_unsubscribe: 4,
  group_resubscribe: 4,
}

/** The stage of a status word, see {@link STAGES}. */
export function receiptStage(status: string): number {
  return STAGES[status] ?? 2
}
