/**
 * Seasons and episodes judged through the titles above them (src/domain/series.ts): the reads
 * every verdict path shares, and the override that decides.
 */
import { ratesItself } from '../domain/series.js';
import type { VerdictTitle } from '../domain/titles.js';
import { activeOverride, type Override } from '../domain/verdict.js';
import type { Store } from '../store/types.js';

/**
 * The seasons and series that may judge these titles, by id: read in one statement, and only
 * for titles that have no rating of their own.
 */
export async function ancestorsOf(store: Store, titles: readonly (VerdictTitle | null)[]): Promise<Map<string, VerdictTitle>> {
  const wanted = [...new Set(titles.flatMap((t) => (t && !ratesItself(t) ? t.ancestors : [])))];
  if (wanted.length === 0) return new Map();
  const found = await store.titles.verdictTitles(wanted.map((id) => ({ by: 'id', id })));
  return new Map(found.flatMap((t) => (t ? [[t.id, t] as const] : [])));
}

/** A title's ancestors as read by ancestorsOf, nearest first. */
export const lineage = (title: VerdictTitle, ancestors: ReadonlyMap<string, VerdictTitle>) => title.ancestors.flatMap((id) => ancestors.get(id) ?? []);

/** The override that decides for a title (ids: its own, then its ancestors', nearest first): the first in force. */
export function nearestOverride(ids: readonly string[], overrides: ReadonlyMap<string, Override>, now: string): Override | null {
  for (const id of ids) {
    const override = activeOverride(overrides.get(id), now);
    if (override) return override;
  }
  return null;
}
