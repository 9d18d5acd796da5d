/** Options passed to {@link FraudModel.fit}. */
export interface FraudModelFitOptions {
  /** Training epochs. */
  readonly epochs: number
  /** Weight of each class in the loss (class imbalance). */
  readonly classWeight: { readonly 0: number; readonly 1: number }
  /** Seed for initialisation and shuffling. */
  readonly seed: number
}

/**
 * A trainable binary classifier over normalised feature vectors. `@opskit/ml/tfjs` ships one
 * (`createFraudNetwork`); implement this to plug in another.
 */
export interface FraudModel {
  /** Length of the feature vectors it accepts. */
  readonly featureCount: number
  /** Trains on normalised rows and 0/1 labels. */
  fit(
    rows: readonly (readonly number[])[],
    labels: readonly number[],
    options: FraudModelFitOptions,
  ): Promise<void>
  /** Fraud probability for each row (synchronous: used on the request path). */
  predict(rows: readonly (readonly number[])[]): number[]
  /** Serialises the trained model to JSON-safe data. */
  serialize(): Promise<unknown>
}
