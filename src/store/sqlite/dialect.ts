import type Database from 'better-sqlite3';
import { errorCodes } from '../error-codes.js';
import { executor, type Dialect, type Query } from '../dialect.js';

/**
 * SQLite through better-sqlite3: one connection, synchronous statements. Statements are compiled
 * once per text; $n becomes ? with the values put in the order the text uses them.
 *
 * The repositories await between a transaction's statements, and better-sqlite3 runs whatever
 * reaches the connection inside the open transaction. So while one is open, every other
 * statement (and transaction) waits for it to end: a reader never sees a write that may yet be
 * rolled back, and two transactions never mix. A transaction's own statements go through `tx`.
 */
export function sqliteDialect(client: Database.Database): Dialect {
  /** Compiled statements by text, and for rows read as arrays (a mode a statement keeps). */
  const compiled = { objects: new Map<string, Compiled>(), arrays: new Map<string, Compiled>() };
  /** `order`: the parameter each ? takes; `inTurn` when they are $1, $2… in turn (most statements). */
  type Compiled = { statement: Database.Statement; order: number[]; inTurn: boolean };
  function compile(text: string, raw: boolean): Compiled {
    const cache = raw ? compiled.arrays : compiled.objects;
    let found = cache.get(text);
    if (!found) {
      const order: number[] = [];
      const statement = client.prepare(text.replace(/\$(\d+)/g, (_, n: string) => (order.push(Number(n) - 1), '?')));
      if (raw) statement.raw(true);
      cache.set(text, (found = { statement, order, inTurn: order.every((n, i) => n === i) }));
    }
    return found;
  }

  /** The values to bind: better-sqlite3 binds no booleans (SQLite keeps them as 0 and 1). */
  function bound(params: readonly unknown[], { order, inTurn }: Compiled): readonly unknown[] {
    // Most statements take their values as they come: no copy to make.
    if (inTurn && params.length === order.length && !params.some((v) => typeof v === 'boolean')) return params;
    return order.map((i) => (typeof params[i] === 'boolean' ? Number(params[i]) : params[i]));
  }

  /** Runs a statement now, inside whatever transaction is open. */
  function now(text: string, params: readonly unknown[], shape: Parameters<Query>[2]): unknown {
    const compiled = compile(text, shape === 'arrays');
    const { statement } = compiled;
    const values = bound(params, compiled);
    if (shape === 'first') return statement.get(values);
    if (shape === 'changes') return statement.run(values).changes;
    return statement.all(values);
  }

  /** Settles when the open transaction or snapshot ends; null when none is open. */
  let held: Promise<void> | null = null;
  /** Waits for the open transaction to end and begins one; the answer ends it and lets the next go. */
  async function hold(begin: string): Promise<(finish: 'COMMIT' | 'ROLLBACK') => void> {
    while (held) await held;
    let release!: () => void;
    held = new Promise((resolve) => (release = resolve));
    const end = (finish: 'COMMIT' | 'ROLLBACK') => {
      try {
        if (client.inTransaction) client.exec(finish);
      } finally {
        held = null;
        release();
      }
    };
    try {
      client.exec(begin);
    } catch (err) {
      end('ROLLBACK');
      throw err;
    }
    return end;
  }

  const inside = executor(async (text, params, shape) => now(text, params, shape));

  return {
    name: 'sqlite',
    ...executor(async (text, params, shape) => {
      while (held) await held;
      return now(text, params, shape);
    }),
    async transaction(work) {
      const end = await hold('BEGIN IMMEDIATE');
      // A failed COMMIT (the disk full, say) leaves the transaction open: `end` rolls it back.
      try {
        const result = await work(inside);
        client.exec('COMMIT');
        return result;
      } finally {
        end('ROLLBACK');
      }
    },
    async snapshot() {
      const end = await hold('BEGIN');
      return {
        ...inside,
        async *pages(text, size) {
          let page: unknown[][] = [];
          for (const row of compile(text, true).statement.iterate() as IterableIterator<unknown[]>) {
            page.push(row);
            if (page.length === size) {
              yield page;
              page = [];
            }
          }
          if (page.length > 0) yield page;
        },
        end: async () => end('COMMIT'),
      };
    },
    prepared: (text) => text,
    inList: (column, param) => `${column} in (select value from json_each(${param}))`,
    list: (values) => JSON.stringify(values),
    listRows: (param) => `json_each(${param})`,
    lock: () => '',
    jsonArrayAgg: (element, orderBy) => `json_group_array(${element}${orderBy ? ` order by ${orderBy}` : ''})`,
    jsonArray: (...expressions) => `json_array(${expressions.join(', ')})`,
    async forget() {
      while (held) await held;
      // Copies the log into the database and empties it: the old page images go with it.
      client.pragma('wal_checkpoint(TRUNCATE)');
    },
    isUniqueViolation: (err) => errorCodes(err).some((code) => code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
    gaveUp: (err) => errorCodes(err).some((code) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')),
  };
}
