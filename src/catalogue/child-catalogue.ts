/**
 * The catalogue a child may watch: the main catalogue's filters and sort, walked in order,
 * each title decided by the same engine as the verdict endpoints. Only titles the engine
 * allows are served, so the list and the verdicts cannot disagree.
 */
import { CATEGORIES } from '../domain/categories.js';
import { activeOverride, allowedTest, decide, type Policy, type TitleFacts, type WithAdult } from '../domain/verdict.js';
import type { TitleListItem } from '../schemas/titles.js';
import type { OverrideRecord, SortKey, Store, TitleFilters, TitleSort } from '../store/types.js';

/** The decision facts a list item carries (notes are not needed to decide). */
function factsOfListItem(item: TitleListItem): TitleFacts {
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

/**
 * Overrides in force settle their titles; the engine's compiled test decides the rest in the
 * store's index. Every title served is decided again by `decide` itself, so the list can never
 * show a title the verdict endpoints would refuse, and each says whether the child may watch it
 * only with an adult (not one a parent's override allowed: the override, not an adult, admits it).
 */
export async function childCatalogue(
  store: Store,
  query: { childId: string; policy: Policy; now: string; filters: TitleFilters; sort: TitleSort; limit: number; after?: SortKey | undefined },
): Promise<{ items: (TitleListItem & { withAdult: WithAdult | null })[]; keys: SortKey[]; more: boolean }> {
  const overrides: Map<string, OverrideRecord> = await store.overrides.forTitles(query.childId);
  const decided = new Map<string, boolean>();
  for (const [titleId, override] of overrides) {
    const active = activeOverride(override, query.now);
    if (active) decided.set(titleId, active.decision === 'allow');
  }
  // The policy is the key: children with the same policy share the index's kept answers.
  const page = await store.titles.catalogue({ ...query, decided, accept: { key: JSON.stringify(query.policy), test: allowedTest(query.policy) } });
  const verdicts = page.items.map((item) => decide(factsOfListItem(item), query.policy, activeOverride(overrides.get(item.id), query.now)));
  const items = page.items.map((item, i) => ({ ...item, withAdult: verdicts[i]!.allowed && verdicts[i]!.decidedBy !== 'override' ? verdicts[i]!.withAdult : null }));
  if (verdicts.every((v) => v.allowed)) return { ...page, items };
  return { items: items.filter((_, i) => verdicts[i]!.allowed), keys: page.keys.filter((_, i) => verdicts[i]!.allowed), more: page.more };
}
