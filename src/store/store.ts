import { createFlagStore, createReviewStore } from './community.js';
import { tableCopies, type CopyColumn } from './copy.js';
import { createChildStore, createOverrideStore } from './children.js';
import type { Dialect } from './dialect.js';
import { createHouseholdStore, createTokenStore } from './households.js';
import { createIdempotencyStore } from './idempotency.js';
import { createWatchRequestStore } from './requests.js';
import { createTitleStore } from './titles.js';
import { TABLES, type Store, type TableName } from './types.js';

/** What a backend does its own way, beside its dialect: backups, its pool, and closing. */
export type Backend = Pick<Store, 'backup' | 'poolStats' | 'close'> & {
  /** How many migrations the code ships for this backend. */
  shipped: number;
};

export interface Migrate {
  /** Apply pending migrations on open (the default). */
  migrate?: boolean;
}

/** The store, written once over a dialect. */
export function createStore(d: Dialect, columns: Record<TableName, CopyColumn[]>, backend: Backend): Store {
  const { shipped, ...own } = backend;
  return {
    dialect: d.name,
    titles: createTitleStore(d),
    tokens: createTokenStore(d),
    households: createHouseholdStore(d),
    children: createChildStore(d),
    overrides: createOverrideStore(d),
    requests: createWatchRequestStore(d),
    reviews: createReviewStore(d),
    flags: createFlagStore(d),
    idempotency: createIdempotencyStore(d),
    gaveUp: d.gaveUp,
    setting(key, create) {
      // Insert-or-ignore then read: two processes starting together agree on one value.
      return d.transaction(async (tx) => {
        await tx.run('insert into meta (key, value) values ($1, $2) on conflict do nothing', [key, create()]);
        return (await tx.get<{ value: string }>('select value from meta where key = $1', [key]))!.value;
      });
    },
    async ready() {
      try {
        const { n } = (await d.get<{ n: number }>('select cast(count(*) as int) as n from __drizzle_migrations'))!;
        return { database: true, migrations: n >= shipped };
      } catch {
        return { database: false, migrations: false };
      }
    },
    async rowCounts() {
      const counts = await Promise.all(TABLES.map(async (name) => (await d.get<{ n: number }>(`select cast(count(*) as int) as n from "${name}"`))!.n));
      return Object.fromEntries(TABLES.map((name, i) => [name, counts[i]])) as Record<TableName, number>;
    },
    ...tableCopies(d, columns),
    ...own,
  };
}
