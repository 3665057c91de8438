/**
 * A cheap fingerprint of everything a SQLite database holds, read through a second, read-only
 * connection: a test takes one before a request and one after, and equal digests mean the
 * request changed nothing. Every table is read (new tables are covered without a change here),
 * rows in a stable order, values as stored.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

export interface Snapshot {
  /** A hash over every row of every table. */
  digest: string;
  /** Every table's rows as JSON lines, to show what changed when two digests differ. */
  rows: Record<string, string[]>;
}

export interface DatabaseDigest {
  /** The hash over every row of every table. */
  (): string;
  snapshot(): Snapshot;
  close(): void;
}

export function openDigest(path: string): DatabaseDigest {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const rows = () => {
    const tables = db
      .prepare<[], { name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .all()
      .map((t) => t.name);
    return Object.fromEntries(
      tables.map((table) => {
        const lines = db
          .prepare(`select * from "${table.replaceAll('"', '""')}"`)
          .raw()
          .all()
          .map((row) => JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('base64') : value)))
          .sort();
        return [table, lines];
      }),
    );
  };
  const snapshot = (): Snapshot => {
    const all = rows();
    const hash = createHash('sha256');
    for (const [table, lines] of Object.entries(all)) hash.update(`${table}\n${lines.join('\n')}\n\n`);
    return { digest: hash.digest('hex'), rows: all };
  };
  return Object.assign(() => snapshot().digest, { snapshot, close: () => db.close() });
}

/** The tables whose rows differ between two `rows()` readings, for a failure message. */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before.rows), ...Object.keys(after.rows)]);
  return [...names].filter((name) => JSON.stringify(before.rows[name]) !== JSON.stringify(after.rows[name]));
}
