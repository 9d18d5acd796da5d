/**
 * Sets `key` to `value` in `map`, first dropping the oldest entries (in insertion order) so that
 * the map never holds more than `capacity`: a memo of recent results that cannot grow without
 * bound. Setting a key again moves it to the newest position.
 *
 * @example
 * ```ts
 * const compiled = new Map<string, Template>()
 * setBounded(compiled, source, compile(source), 1_000)
 * ```
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  map.delete(key)
  while (map.size >= Math.max(1, capacity)) map.delete(map.keys().next().value as K)
  map.set(key, value)
}
