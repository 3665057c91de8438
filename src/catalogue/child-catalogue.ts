/**
 * The catalogue a child may watch: the main catalogue's filters and sort, walked in order,
 * each title decided by the same engine as the verdict endpoints. Only titles the engine
 * allows are served, so the list and the verdicts cannot disagree.
 */
import { CATEGORIES } from '../domain/categories.js';
import { judge, ratesItself } from '../domain/series.js';
import { activeOverride, allowedTest, decide, type Override, type Policy, type TitleFacts, type Verdict, type WithAdult } from '../domain/verdict.js';
import { ancestorsOf, lineage, nearestOverride } from './lineage.js';
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

/** The titles above `id` that `parents` knows of, nearest first. */
function chain(parents: ReadonlyMap<string, string>, id: string): string[] {
  const above: string[] = [];
  for (let at = parents.get(id); at !== undefined; at = parents.get(at)) above.push(at);
  return above;
}

/**
 * Each listed title decided again by the engine: from its list item, or, for a season or an
 * episode with no rating of its own, through the titles above it as its verdict is.
 */
async function recheck(store: Store, items: readonly TitleListItem[], policy: Policy, overrideOf: (id: string) => Override | null): Promise<Verdict[]> {
  const facts = items.map(factsOfListItem);
  const inheriting = items.flatMap((item, i) => (item.parentId !== null && !ratesItself(facts[i]!) ? [item.id] : []));
  const judged = new Map<string, Verdict>();
  if (inheriting.length) {
    const titles = await store.titles.verdictTitles(inheriting.map((id) => ({ by: 'id', id })));
    const ancestors = await ancestorsOf(store, titles);
    for (const title of titles) if (title) judged.set(title.id, judge(title, lineage(title, ancestors), policy, overrideOf(title.id)).verdict);
  }
  return items.map((item, i) => judged.get(item.id) ?? decide(facts[i]!, policy, overrideOf(item.id)));
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
  // An override on a series or a season decides for the seasons and episodes under it that have none of their own.
  const parents = new Map<string, string>();
  if (query.filters.level && query.filters.level !== 'title' && decided.size > 0) {
    const under = await store.titles.descendants([...decided.keys()]);
    for (const { id, parentId } of under) parents.set(id, parentId);
    for (const { id } of under) {
      const override = nearestOverride([id, ...chain(parents, id)], overrides, query.now);
      if (override) decided.set(id, override.decision === 'allow');
    }
  }
  // The policy is the key: children with the same policy share the index's kept answers.
  const page = await store.titles.catalogue({ ...query, decided, accept: { key: JSON.stringify(query.policy), test: allowedTest(query.policy) } });
  const verdicts = await recheck(store, page.items, query.policy, (id) => nearestOverride([id, ...chain(parents, id)], overrides, query.now));
  const items = page.items.map((item, i) => ({ ...item, withAdult: verdicts[i]!.allowed && verdicts[i]!.decidedBy !== 'override' ? verdicts[i]!.withAdult : null }));
  if (verdicts.every((v) => v.allowed)) return { ...page, items };
  return { items: items.filter((_, i) => verdicts[i]!.allowed), keys: page.keys.filter((_, i) => verdicts[i]!.allowed), more: page.more };
}
