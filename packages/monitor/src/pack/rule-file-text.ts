import { stringify } from 'yaml'
import type { DefaultRule } from './default-rules.js'

/** The group name of the pack in a Prometheus rule file. */
export const DEFAULT_PACK_GROUP = 'opskit-default'

/**
 * The rules as a Prometheus rule file (one group), for a Prometheus that scrapes the service's
 * `/metrics`: the same expressions, `for`, labels and annotations the in-process engine runs.
 */
export function ruleFileText(rules: readonly DefaultRule[], groupName = DEFAULT_PACK_GROUP): string {
  return stringify(
    {
      groups: [
        {
          name: groupName,
          rules: rules.map((r) => ({
            alert: r.name,
            expr: r.expr,
            for: r.for,
            labels: r.labels,
            annotations: r.annotations,
          })),
        },
      ],
    },
    { lineWidth: 0 },
  )
}
