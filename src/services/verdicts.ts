/**
 * Verdicts: the single, the batch and the child's catalogue all read route → service → store →
 * domain, and decide through the one engine (src/domain/verdict.ts).
 */
import { childCatalogue } from '../catalogue/child-catalogue.js';
import type { Config } from '../config.js';
import { todayUtc } from '../domain/age.js';
import { childPolicy } from '../domain/policy.js';
import { formatRef, noTitleMatches, parseTitleRef, titleNotFound, type TitleRef } from '../domain/references.js';
import { anonymousPolicy, type AgeOnlyVerdict, type Override, type Policy, type Verdict } from '../domain/verdict.js';
import { judge, levelOf, SERIES_KINDS, strictestEpisode, type EpisodeSummary } from '../domain/series.js';
import { NotFound } from '../domain/errors.js';
import { ancestorsOf, lineage, nearestOverride } from '../catalogue/lineage.js';
import type { VerdictTitle } from '../domain/titles.js';
import type { TitleFilterQuery } from '../schemas/titles.js';
import type { ChildRecord, SortKey, Store, TitleFilters, TitleSort } from '../store/types.js';
import { findChild } from './children.js';
import type { PageRequest } from './paging.js';
import { titleFilters } from './titles.js';

/** A page of a child's catalogue: it starts once the child and the filters are known. */
type ChildCataloguePage = { query: TitleFilterQuery; sort: TitleSort } & PageRequest<SortKey, [childId: string, filters: TitleFilters]>;

/** Who an episode list's verdicts are for: an age (and country), or a household's child. */
export type EpisodeViewer = { age: number; country: string | null } | { householdId: string; childId: string };

/** The most episodes a series' verdict checks for its strictest: a long soap has thousands. */
const MAX_EPISODES_CHECKED = 5000;

/** One answer of a child's verdicts: the reference as asked, the title it names (if any) and the verdict. */
export interface VerdictItem {
  ref: string;
  title: VerdictTitle | null;
  verdict: Verdict;
}

/** What a batch says of a reference it cannot decide: not a failed request, an item that is not allowed. */
function unknownVerdict(forAge: number, message: string): Verdict {
  return { status: 'unknown', allowed: false, age: null, forAge, decidedBy: 'none', reasons: [], notRated: [], withAdult: null, inheritedFrom: null, message };
}

/**
 * The override that decides for a title (its own, else its season's or series'), without the
 * parents' note when the child's own device asks: a note is the parents' to read.
 */
function deciding(ids: readonly string[], overrides: ReadonlyMap<string, Override>, now: Date, forDevice: boolean): Override | null {
  const override = nearestOverride(ids, overrides, now.toISOString());
  return override && forDevice ? { ...override, note: null } : override;
}

export function verdictService(store: Store, config: Pick<Config, 'COMMUNITY_MIN_REVIEWS'>) {
  const policyOf = (child: ChildRecord, now: Date) => childPolicy(child, todayUtc(now), config.COMMUNITY_MIN_REVIEWS);

  /**
   * Each title judged through its season and series, with the override that decides for it
   * (`childId`: whose), in order; null where there is no title. Overrides and ancestors are
   * read in one statement each, for all the titles at once.
   */
  async function judgeAll(titles: readonly (VerdictTitle | null)[], policy: Policy, childId: string | null, now: Date, forDevice = false) {
    const [overrides, ancestors] = await Promise.all([
      childId ? store.overrides.forTitles(childId, [...new Set(titles.flatMap((t) => (t ? [t.id, ...t.ancestors] : [])))]) : new Map<string, Override>(),
      ancestorsOf(store, titles),
    ]);
    return titles.map((title) => title && judge(title, lineage(title, ancestors), policy, deciding([title.id, ...title.ancestors], overrides, now, forDevice)));
  }

  /** The same for titles by id: by id, a title removed since its id was read left out. */
  async function judgeIds(ids: readonly string[], policy: Policy, childId: string | null, now: Date, forDevice = false): Promise<Map<string, { facts: VerdictTitle; verdict: Verdict }>> {
    const judged = await judgeAll(await store.titles.verdictTitles(ids.map((id) => ({ by: 'id', id }))), policy, childId, now, forDevice);
    return new Map(judged.flatMap((j) => (j ? [[j.facts.id, j] as const] : [])));
  }

  return {
    /** The anonymous question: is this title OK at this age? */
    async titleVerdict(ref: TitleRef, age: number, country: string | null = null, withEpisodes = false): Promise<{ title: VerdictTitle; verdict: AgeOnlyVerdict; episodes: EpisodeSummary | null }> {
      const title = await store.titles.verdictTitle(ref);
      if (!title) throw titleNotFound(ref);
      const policy = anonymousPolicy(age, country);
      const { facts, verdict } = judge(title, lineage(title, await ancestorsOf(store, [title])), policy);
      if (!withEpisodes) return { title: facts, verdict: verdict as AgeOnlyVerdict, episodes: null };
      const { items, more } = await store.titles.episodes(title.id, { limit: MAX_EPISODES_CHECKED });
      const judged = await judgeIds(items.map((item) => item.id), policy, null, new Date());
      const summary = strictestEpisode([...judged.values()].map((j) => ({ ...j.facts, verdict: j.verdict })), more);
      return { title: facts, verdict: { ...verdict, message: `${verdict.message}${summary.sentence}` } as AgeOnlyVerdict, episodes: summary.episodes };
    },

    /** `forDevice`: asked by the child's own device, which never reads the parents' notes. */
    async childVerdict(householdId: string, childId: string, ref: TitleRef, now: Date, forDevice = false): Promise<VerdictItem> {
      // The title first, then the child with its override in one statement: two reads, not three.
      const title = await store.titles.verdictTitle(ref);
      const found = title && (await store.children.withOverride(householdId, childId, title.id));
      if (!found) {
        // A missing child is the answer before a missing title, as everywhere else.
        await findChild(store, householdId, childId);
        throw titleNotFound(ref);
      }
      // A season or an episode: its season's and series' overrides and facts may decide.
      const [overrides, ancestors] = title.ancestors.length
        ? await Promise.all([store.overrides.forTitles(found.child.id, title.ancestors), ancestorsOf(store, [title])])
        : [new Map<string, Override>(), new Map<string, VerdictTitle>()];
      if (found.override) overrides.set(title.id, found.override);
      const { facts, verdict } = judge(title, lineage(title, ancestors), policyOf(found.child, now), deciding([title.id, ...title.ancestors], overrides, now, forDevice));
      return { ref: formatRef(ref), title: facts, verdict };
    },

    /** In the order asked; a reference that is malformed or matches nothing is an `unknown` item. */
    async childVerdicts(householdId: string, childId: string, asked: readonly string[], now: Date, forDevice = false): Promise<VerdictItem[]> {
      const child = await findChild(store, householdId, childId);
      const parsed = asked.map(parseTitleRef);
      const refs = parsed.filter((r): r is TitleRef => !('error' in r));
      const found = await store.titles.verdictTitles(refs);
      const titles = parsed.map((r) => ('error' in r ? null : found[refs.indexOf(r)]!));
      const policy = policyOf(child, now);
      const judged = await judgeAll(titles, policy, child.id, now, forDevice);
      return parsed.map((ref, i): VerdictItem => {
        const found = judged[i];
        if ('error' in ref) return { ref: asked[i]!, title: null, verdict: unknownVerdict(policy.age, `Not a title reference: ${ref.error}.`) };
        if (!found) return { ref: formatRef(ref), title: null, verdict: unknownVerdict(policy.age, noTitleMatches(ref)) };
        return { ref: formatRef(ref), title: found.facts, verdict: found.verdict };
      });
    },

    /**
     * A series' or a season's episodes in order, each with its verdict when someone is named:
     * an age (the anonymous question) or one of the household's children.
     */
    async episodes(ref: TitleRef, { limit, after }: PageRequest<SortKey, [titleId: string, viewer: object | null]>, viewer: EpisodeViewer | null, now: Date, forDevice = false) {
      const series = await store.titles.verdictTitle(ref);
      const child = viewer && 'childId' in viewer ? await findChild(store, viewer.householdId, viewer.childId) : null;
      if (!series) throw titleNotFound(ref);
      const level = levelOf({ parentId: series.ancestors[0] ?? null, episodeNumber: series.episodeNumber });
      if (!SERIES_KINDS.includes(series.kind) || level === 'episode') throw new NotFound(`'${series.name}' is ${level === 'episode' ? 'an episode' : `a ${series.kind} title`}: it has no episodes.`);
      const page = await store.titles.episodes(series.id, { limit, after: after(series.id, child ? { child: child.id } : viewer) });
      const policy = child ? policyOf(child, now) : viewer && 'age' in viewer ? anonymousPolicy(viewer.age, viewer.country) : null;
      const judged = policy ? await judgeIds(page.items.map((item) => item.id), policy, child?.id ?? null, now, forDevice) : new Map();
      return { ...page, items: page.items.map((item) => ({ ...item, verdict: judged.get(item.id)?.verdict ?? null })) };
    },

    /** The catalogue page of titles the child may watch. */
    async childTitles(householdId: string, childId: string, { query, sort, limit, after }: ChildCataloguePage, now: Date) {
      const child = await findChild(store, householdId, childId);
      const filters = titleFilters(query);
      return childCatalogue(store, { childId: child.id, policy: policyOf(child, now), now: now.toISOString(), filters, sort, limit, after: after(child.id, filters) });
    },
  };
}
