/** Cost weights of one NAB application profile (NAB `config/profiles.json`). */
export interface NabProfile {
  /** Weight of a true positive at the first row of a window. */
  readonly tpWeight: number
  /** Weight of a false positive far from any window. */
  readonly fpWeight: number
  /** Cost of a window with no detection. */
  readonly fnWeight: number
}

/** Names of the three published NAB profiles. */
export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate'

/** The three published NAB profiles, with NAB's own weights. */
export const NAB_PROFILES: Readonly<Record<NabProfileName, NabProfile>> = Object.freeze({
  standard: Object.freeze({ tpWeight: 1, fpWeight: 0.11, fnWeight: 1 }),
  reward_low_FP_rate: Object.freeze({ tpWeight: 1, fpWeight: 0.22, fnWeight: 1 }),
  reward_low_FN_rate: Object.freeze({ tpWeight: 1, fpWeight: 0.11, fnWeight: 2 }),
})

/** Profile names in NAB's usual print order. */
export const NAB_PROFILE_NAMES: readonly NabProfileName[] = [
  'standard',
  'reward_low_FP_rate',
  'reward_low_FN_rate',
]
