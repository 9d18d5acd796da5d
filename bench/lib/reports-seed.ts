import Database from 'better-sqlite3'

/** Seeds the benchmark's `sales` table (deterministic; 5% nasty customers, 1% formula notes, 5% null amounts). */
export function seedSales(dbPath: string, rows: number): void {
  const db = new Database(dbPath)
  db.pragma('journal_mode = WAL')
  db.exec(`create table sales (id integer primary key, order_no text, customer text, email text, amount real,
    currency text, qty integer, created_at integer, status text, note text)`)
  const insert = db.prepare('insert into sales values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  let state = 12345
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
  const statuses = ['paid', 'pending', 'refunded', 'cancelled']
  const nasty = ['Müller, "Max"', 'line\nbreak', 'emoji 🎟️', '=HYPERLINK("x")', '-2+3', '@SUM(A1)']
  db.transaction(() => {
    for (let id = 1; id <= rows; id++) {
      const noteLength = Math.floor(random() * 200)
      const note = random() < 0.01 ? `=cmd ${'x'.repeat(noteLength)}` : 'lorem ipsum '.repeat(noteLength / 12)
      insert.run(
        id,
        `ORD-${id.toString().padStart(8, '0')}`,
        random() < 0.05 ? (nasty[id % nasty.length] as string) : `Customer ${Math.floor(random() * 50_000)}`,
        `user${id}@example.com`,
        random() < 0.05 ? null : Math.round(random() * 100_000) / 100,
        'EUR',
        1 + Math.floor(random() * 5),
        Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * 86_400_000),
        statuses[id % 4],
        note,
      )
    }
  })()
  db.close()
}
