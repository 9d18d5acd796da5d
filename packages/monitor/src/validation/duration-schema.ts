import { z } from 'zod'
import type { Duration } from '../rules/duration.js'

/**
 * The string form of a {@link Duration} in option schemas: any string passes here, and
 * `parseDuration` then reads it (refusing a malformed one with the field's name).
 */
export const durationString = z.string() as unknown as z.ZodType<Exclude<Duration, number>>
