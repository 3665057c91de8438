/**
 * Which titles changed, told to every process on the database, so each one's in-memory title
 * index follows writes made through the others (and its own).
 *
 * A transaction that changes what the index holds of titles (a title, its advisory or
 * certifications, the reviews whose figures it keeps) calls `noteTitleChanges` last: that takes
 * the next number from the one row of title_epoch and records the ids under it. SQLite's one
 * writer, and PostgreSQL's lock on that row until the commit, make the numbers follow commit
 * order: a process that reads epoch N knows every change numbered up to N is committed and
 * visible, and catches up by reading the ids numbered above what it last saw.
 */
import type { Dialect, Executor } from './dialect.js';
import type { TitleIndex } from './title-index.js';
import type { TitleIndexStats } from './types.js';

/** How many numbers of changes are kept; an index further behind is built again from scratch. */
const KEPT = 10_000;

/** In the writing transaction, last: records the ids under the next number. */
export async function noteTitleChanges(d: Dialect, tx: Executor, titleIds: readonly string[]): Promise<void> {
  if (titleIds.length === 0) return;
  const row = (await tx.get<{ epoch: number | string; forgotten: number | string }>('update title_epoch set epoch = epoch + 1 where id = 1 returning epoch, forgotten'))!;
  const epoch = Number(row.epoch);
  await tx.run(`insert into title_changes (epoch, title_id) select cast($1 as bigint), value from ${d.listRows('$2')}`, [epoch, d.list([...new Set(titleIds)])]);
  // Now and then, forget the oldest changes; the row is already ours, so this costs no wait.
  if (epoch % 1000 === 0 && epoch - KEPT > Number(row.forgotten)) {
    await tx.run('delete from title_changes where epoch <= $1', [epoch - KEPT]);
    await tx.run('update title_epoch set forgotten = $1 where id = 1', [epoch - KEPT]);
  }
}

/** Where the log stands: the last committed change and the newest one forgotten. */
export async function titleEpoch(d: Executor): Promise<{ epoch: number; forgotten: number }> {
  const row = (await d.get<{ epoch: number | string; forgotten: number | string }>('select epoch, forgotten from title_epoch where id = 1'))!;
  return { epoch: Number(row.epoch), forgotten: Number(row.forgotten) };
}

/** The titles changed after `seen`, up to what is committed now. */
export async function titlesChangedAfter(d: Executor, seen: number): Promise<string[]> {
  return (await d.all<{ titleId: string }>('select distinct title_id as "titleId" from title_changes where epoch > $1', [seen])).map((r) => r.titleId);
}

/** The index as it stands, read without touching it or the database. */
export interface FollowedIndexState extends Omit<TitleIndexStats, 'changesBehind'> {
  /** The last change number the index has caught up with. */
  seen: number;
}

/**
 * The one catch-up: an index made on first use, then brought up to date from the log before
 * every use, with what every process committed since (this one's own writes included).
 *
 * On first use it is loaded (`load`, from a saved snapshot, already caught up with the epoch it
 * is given) when it can be, else built from the tables; it is built again whenever it falls
 * further behind than the log keeps.
 *
 * One catch-up runs at a time, so no older read lands on a newer one. Callers that arrive while
 * one runs share the next, which starts after they arrived and so sees their own commits: at
 * most two epoch reads in flight however many pages are asked for at once. `exclusive` runs work
 * on the index between two catch-ups, when nothing changes it (saving it).
 *
 * `state` tells the metrics what the index holds and how current it is; null before the first build.
 */
export function followTitleChanges(
  d: Executor,
  {
    build,
    reindex,
    load = async () => null,
  }: {
    build(): Promise<TitleIndex>;
    reindex(index: TitleIndex, changed: readonly string[]): Promise<void>;
    load?(log: { epoch: number; forgotten: number }): Promise<TitleIndex | null>;
  },
): {
  current(): Promise<TitleIndex>;
  exclusive<T>(work: (index: TitleIndex | null, seen: number) => Promise<T>): Promise<T>;
  state(): FollowedIndexState | null;
} {
  let index: TitleIndex | null = null;
  /** The last change number the index has caught up with. */
  let seen = 0;
  let buildSeconds = 0;
  let fromSnapshot = false;
  let caughtUpAt = 0;
  let running: Promise<TitleIndex> | null = null;
  let next: Promise<TitleIndex> | null = null;
  /** Settles when the catch-up or exclusive work in hand ends. */
  let turn: Promise<unknown> = Promise.resolve();

  function inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = turn.then(work);
    turn = result.catch(() => {});
    return result;
  }

  async function catchUp(): Promise<TitleIndex> {
    const log = await titleEpoch(d);
    if (!index || seen < log.forgotten) {
      const started = performance.now();
      const loaded = index ? null : await load(log);
      fromSnapshot = loaded !== null;
      index = loaded ?? (await build());
      buildSeconds = (performance.now() - started) / 1000;
    } else if (log.epoch !== seen) await reindex(index, await titlesChangedAfter(d, seen));
    seen = log.epoch;
    caughtUpAt = Date.now();
    return index;
  }

  function shared(): Promise<TitleIndex> {
    if (!running) {
      running = inTurn(catchUp).finally(() => {
        running = null;
      });
      return running;
    }
    next ??= running.catch(() => {}).then(() => {
      next = null;
      return shared();
    });
    return next;
  }
  return {
    current: shared,
    exclusive: (work) => inTurn(() => work(index, seen)),
    state: () => (index ? { titles: index.size, buildSeconds, fromSnapshot, seen, caughtUpAt: caughtUpAt / 1000 } : null),
  };
}
