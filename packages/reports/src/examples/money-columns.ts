/** A money column whose currency is each row's `currency` column. */
export const money = (key: string, header: string) =>
  ({ key, header, type: 'money', format: { currencyColumn: 'currency' } }) as const

/** The `currency` column (ISO 4217 code of the row's money) of the built-in reports. */
export const currencyColumn = { key: 'currency', header: 'Currency', type: 'string' } as const
