/**
 * The catalogue a child may watch: the main catalogue's filters and sort, walked in order,
 * each title decided by the same engine as the verdict endpoints. Only titles the engine
 * allows are served, so the list and the verdicts cannot disagree.
 */
import { CATEGORIES } from '../domain/categories.js';
import { activeOverride, decide, type Policy, type TitleFacts } from '../domain/verdict.js';
import type { TitleListItem } from '../schemas/titles.js';
import type { OverrideRecord, SortKey, Store, TitleFilters, TitleSort } from '../store/types.js';

/** The decision facts a list item carries (notes are not needed to decide). */
export function factsOfListItem(item: TitleListItem): TitleFacts {
  const { summary } = item;
  return {
    name: item.name,
    advisory: summary.levels
      ? {
          ageRecommendation: summary.age!,
          ratings: Object.fromEntries(
            CATEGORIES.flatMap((c) => (summary.levels![c.key] === undefined ? [] : [[c.key, { level: summary.levels![c.key]!, note: '' }]])),
          ),
        }
      : null,
    certifications: summary.certifications,
    community: item.community,
  };
}

/** Candidates read per step: enough that a strict policy rarely needs many steps. */
const CHUNK = 200;

export async function childCatalogue(
  store: Store,
  query: { childId: string; policy: Policy; now: string; filters: TitleFilters; sort: TitleSort; limit: number; after?: SortKey | undefined },
): Promise<{ items: TitleListItem[]; keys: SortKey[]; more: boolean }> {
  const overrides: Map<string, OverrideRecord> = await store.overrides.forTitles(query.childId);
  const items: TitleListItem[] = [];
  const keys: SortKey[] = [];
  let after = query.after;
  for (;;) {
    const page = await store.titles.list({ filters: query.filters, sort: query.sort, limit: CHUNK, after });
    for (const [i, item] of page.items.entries()) {
      const verdict = decide(factsOfListItem(item), query.policy, activeOverride(overrides.get(item.id), query.now));
      if (!verdict.allowed) continue;
      if (items.length === query.limit) return { items, keys, more: true };
      items.push(item);
      keys.push(page.keys[i]!);
    }
    if (!page.more) return { items, keys, more: false };
    after = page.keys.at(-1);
  }
}
