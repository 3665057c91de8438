/**
 * Verdicts: the single, the batch and the child's catalogue all read route → service → store →
 * domain, and decide through the one engine (src/domain/verdict.ts).
 */
import { childCatalogue } from '../catalogue/child-catalogue.js';
import type { Config } from '../config.js';
import { todayUtc } from '../domain/age.js';
import { childPolicy } from '../domain/policy.js';
import { formatRef, noTitleMatches, parseTitleRef, titleNotFound, type TitleRef } from '../domain/references.js';
import { activeOverride, ageVerdict, decide, type AgeOnlyVerdict, type Verdict } from '../domain/verdict.js';
import type { VerdictTitle } from '../domain/titles.js';
import type { TitleFilterQuery } from '../schemas/titles.js';
import type { ChildRecord, SortKey, Store, TitleFilters, TitleSort } from '../store/types.js';
import { findChild } from './children.js';
import type { PageRequest } from './paging.js';
import { titleFilters } from './titles.js';

/** A page of a child's catalogue: it starts once the child and the filters are known. */
type ChildCataloguePage = { query: TitleFilterQuery; sort: TitleSort } & PageRequest<SortKey, [childId: string, filters: TitleFilters]>;

/** One answer of a child's verdicts: the reference as asked, the title it names (if any) and the verdict. */
export interface VerdictItem {
  ref: string;
  title: VerdictTitle | null;
  verdict: Verdict;
}

/** What a batch says of a reference it cannot decide: not a failed request, an item that is not allowed. */
function unknownVerdict(forAge: number, message: string): Verdict {
  return { status: 'unknown', allowed: false, age: null, forAge, decidedBy: 'none', reasons: [], notRated: [], withAdult: null, message };
}

export function verdictService(store: Store, config: Pick<Config, 'COMMUNITY_MIN_REVIEWS'>) {
  const policyOf = (child: ChildRecord, now: Date) => childPolicy(child, todayUtc(now), config.COMMUNITY_MIN_REVIEWS);

  return {
    /** The anonymous question: is this title OK at this age? */
    async titleVerdict(ref: TitleRef, age: number, country: string | null = null): Promise<{ title: VerdictTitle; verdict: AgeOnlyVerdict }> {
      const title = await store.titles.verdictTitle(ref);
      if (!title) throw titleNotFound(ref);
      return { title, verdict: ageVerdict(title, age, country) };
    },

    async childVerdict(householdId: string, childId: string, ref: TitleRef, now: Date): Promise<VerdictItem> {
      // The title first, then the child with its override in one statement: two reads, not three.
      const title = await store.titles.verdictTitle(ref);
      const found = title && (await store.children.withOverride(householdId, childId, title.id));
      if (!found) {
        // A missing child is the answer before a missing title, as everywhere else.
        await findChild(store, householdId, childId);
        throw titleNotFound(ref);
      }
      return { ref: formatRef(ref), title, verdict: decide(title, policyOf(found.child, now), activeOverride(found.override, now.toISOString())) };
    },

    /** In the order asked; a reference that is malformed or matches nothing is an `unknown` item. */
    async childVerdicts(householdId: string, childId: string, asked: readonly string[], now: Date): Promise<VerdictItem[]> {
      const child = await findChild(store, householdId, childId);
      const parsed = asked.map(parseTitleRef);
      const refs = parsed.filter((r): r is TitleRef => !('error' in r));
      const found = await store.titles.verdictTitles(refs);
      const titles = parsed.map((r) => ('error' in r ? null : found[refs.indexOf(r)]!));
      const overrides = await store.overrides.forTitles(child.id, titles.flatMap((t) => (t ? [t.id] : [])));
      const policy = policyOf(child, now);
      return parsed.map((ref, i): VerdictItem => {
        const title = titles[i];
        if ('error' in ref) return { ref: asked[i]!, title: null, verdict: unknownVerdict(policy.age, `Not a title reference: ${ref.error}.`) };
        if (!title) return { ref: formatRef(ref), title: null, verdict: unknownVerdict(policy.age, noTitleMatches(ref)) };
        const verdict = decide(title, policy, activeOverride(overrides.get(title.id), now.toISOString()));
        return { ref: formatRef(ref), title, verdict };
      });
    },

    /** The catalogue page of titles the child may watch. */
    async childTitles(householdId: string, childId: string, { query, sort, limit, after }: ChildCataloguePage, now: Date) {
      const child = await findChild(store, householdId, childId);
      const filters = titleFilters(query);
      return childCatalogue(store, { childId: child.id, policy: policyOf(child, now), now: now.toISOString(), filters, sort, limit, after: after(child.id, filters) });
    },
  };
}
