import type { Incident } from './incident.js'

/** Resolved incidents an incident manager keeps in memory by default, besides the open ones. */
export const DEFAULT_RESOLVED_INCIDENT_CACHE = 1000

/**
 * The incidents a manager holds: every open one (triggered or acknowledged: escalation and
 * acknowledgement work on them) and the `resolvedCap` most recently resolved. Older resolved
 * incidents are dropped from memory; with a store they stay readable there.
 */
export interface IncidentCache {
  readonly incidents: Map<string, Incident>
  /** Adds or replaces an incident (a resolved one counts as the most recently resolved). */
  add(incident: Incident): void
  /** An incident was resolved: it joins the resolved ones, the oldest beyond the cap leave. */
  settled(id: string): void
}

/** Builds an {@link IncidentCache} keeping at most `resolvedCap` resolved incidents. */
export function createIncidentCache(resolvedCap: number): IncidentCache {
  const incidents = new Map<string, Incident>()
  /** Resolved ids, oldest resolution first (a Set keeps insertion order). */
  const resolved = new Set<string>()
  const settled = (id: string) => {
    resolved.delete(id)
    resolved.add(id)
    for (const oldest of resolved) {
      if (resolved.size <= resolvedCap) break
      resolved.delete(oldest)
      incidents.delete(oldest)
    }
  }
  return {
    incidents,
    add(incident) {
      incidents.set(incident.id, incident)
      if (incident.status === 'resolved') settled(incident.id)
    },
    settled,
  }
}
