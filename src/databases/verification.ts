/**
 * Judges a restored copy against the source. Counts are read just before and just after the dump: a
 * table (or keyspace) must be in the copy if it existed both times, nothing may appear that existed
 * neither time, and each count must lie between its before and after values (exactly equal when the
 * database was quiet). So a busy database does not fail its backups, and an empty or partial restore does.
 */

export type Counts = Record<string, number>;

/** undefined when the copy is right; otherwise the first problem in plain words. */
export function compareCounts(before: Counts, after: Counts, restored: Counts): string | undefined {
  for (const name of Object.keys(before)) {
    if (name in after && !(name in restored)) return `"${name}" is missing from the restored copy.`;
  }
  for (const [name, count] of Object.entries(restored)) {
    if (!(name in before) && !(name in after)) return `The restored copy has "${name}", which the database did not.`;
    const low = Math.min(before[name] ?? after[name]!, after[name] ?? before[name]!);
    const high = Math.max(before[name] ?? after[name]!, after[name] ?? before[name]!);
    if (count < low || count > high) {
      const expected = low === high ? String(low) : `${low} to ${high}`;
      return `"${name}" has ${count} in the restored copy but ${expected} in the database.`;
    }
  }
  return undefined;
}

/** `5 tables, 1,204 rows` style summary for lists. */
export function describeCounts(counts: Counts, unit: { items: string; entries: string }): string {
  const names = Object.keys(counts).length;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return `${names} ${unit.items}, ${total.toLocaleString('en')} ${unit.entries}`;
}
