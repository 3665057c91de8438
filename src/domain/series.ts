/**
 * Series, seasons and episodes: titles of their own, linked to the title above them. A season's
 * parent is a series; an episode's is a season or, for a series without season titles (most
 * podcasts), the series itself. Two levels at most, so a chain never loops and an episode's
 * ancestors are read in one step.
 */
import type { TitleKind } from './titles.js';
import { decide, type InheritedFrom, type Override, type Policy, type TitleFacts, type Verdict } from './verdict.js';

/** The kinds that have seasons and episodes. */
export const SERIES_KINDS: readonly TitleKind[] = ['tv', 'podcast'];

/** Where a title sits: on its own (a film, a series), a season, or an episode. */
export const TITLE_LEVELS = ['title', 'season', 'episode'] as const;
export type TitleLevel = (typeof TITLE_LEVELS)[number];

export interface Placement {
  id: string;
  kind: string;
  parentId: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
}

export const levelOf = (p: Pick<Placement, 'parentId' | 'episodeNumber'>): TitleLevel => (p.parentId === null ? 'title' : p.episodeNumber === null ? 'season' : 'episode');

/** What is wrong with a title's own placement fields, before any parent is read: the field and why, or null. */
export function placementFieldProblem(p: Omit<Placement, 'id'>): PlacementProblem | null {
  if (p.parentId === null) {
    if (p.seasonNumber !== null) return { field: 'seasonNumber', problem: 'only a season or an episode has one: give its parentId too' };
    if (p.episodeNumber !== null) return { field: 'episodeNumber', problem: 'only an episode has one: give its parentId too' };
    return null;
  }
  if (!SERIES_KINDS.includes(p.kind as TitleKind)) return { field: 'parentId', problem: `a ${p.kind} has no seasons or episodes; only ${SERIES_KINDS.join(' and ')} titles do` };
  if (p.seasonNumber === null && p.episodeNumber === null) return { field: 'parentId', problem: 'a season needs its seasonNumber and an episode its episodeNumber' };
  return null;
}

/** What is wrong with where a title sits, and the field to change. */
export type PlacementProblem = { field: 'parentId' | 'seasonNumber' | 'episodeNumber'; problem: string };

/**
 * Why a title cannot sit under `parent` (null: there is no such title), or null when it can; its
 * own fields are checked first (placementFieldProblem). `parentHas` says what the parent's
 * children are: a series holds either season titles or episodes of its own, never both, so an
 * episode is found one way only.
 */
export function placementProblem(child: Placement, parent: Placement | null, parentHas: { seasons: boolean; episodes: boolean }): PlacementProblem | null {
  const own = placementFieldProblem(child);
  if (own || child.parentId === null) return own;
  const problem = (p: string): PlacementProblem => ({ field: 'parentId', problem: p });
  const level = levelOf(child);
  if (!parent) return problem(`its parent ${child.parentId} is not in the catalogue`);
  if (parent.id === child.id) return problem('a title cannot be its own parent');
  if (parent.kind !== child.kind) return problem(`its parent ${parent.id} is a ${parent.kind} title, and a ${child.kind} ${level} belongs to a ${child.kind} title`);
  const parentLevel = levelOf(parent);
  if (parentLevel === 'episode') return problem(`its parent ${parent.id} is an episode, which has no seasons or episodes`);
  if (parentLevel === 'season') {
    if (level === 'season') return problem(`its parent ${parent.id} is a season; a season belongs to a series`);
    // Held on the episode too, so an episode is found by its numbers alone (tmdb:tv:1399:s1e9).
    if (child.seasonNumber !== parent.seasonNumber) return { field: 'seasonNumber', problem: `its season ${parent.id} is season ${parent.seasonNumber}: give seasonNumber ${parent.seasonNumber}` };
    return null;
  }
  if (level === 'season' && parentHas.episodes) return problem(`its series ${parent.id} holds its episodes directly; a series has season titles or episodes of its own, not both`);
  if (level === 'episode' && parentHas.seasons) return problem(`its series ${parent.id} has season titles: give the season as its parentId`);
  return null;
}

/** "S3E6", "S3" or "E12": how a parent reads where an episode sits. */
function episodeLabel(p: Pick<Placement, 'seasonNumber' | 'episodeNumber'>): string {
  return `${p.seasonNumber !== null ? `S${p.seasonNumber}` : ''}${p.episodeNumber !== null ? `E${p.episodeNumber}` : ''}`;
}

/** What rates a title: an expert advisory or an official certification. */
interface Rated {
  advisory: unknown;
  certifications: readonly unknown[];
}

/** Whether the title has a rating of its own, or must be judged by its season's or series'. */
export const ratesItself = (t: Rated) => t.advisory !== null || t.certifications.length > 0;


/**
 * What a title is judged by: its own advisory and certifications when it has any, else its
 * season's, else its series' (`ancestors`, nearest first); `from` names the level that did.
 * Its own facts always win, so an episode rated stricter than its series is judged stricter.
 */
function inheritedFacts<T extends Rated & { id: string; name: string; seasonNumber: number | null; episodeNumber: number | null }>(
  title: T,
  ancestors: readonly T[],
): { facts: T; from: InheritedFrom | null } {
  if (ratesItself(title)) return { facts: title, from: null };
  const source = ancestors.find(ratesItself);
  if (!source) return { facts: title, from: null };
  return {
    facts: { ...title, advisory: source.advisory, certifications: source.certifications },
    from: { id: source.id, name: source.name, level: source.seasonNumber !== null && source.episodeNumber === null ? 'season' : 'series' },
  };
}

/** The sentence a verdict judged by its season or series ends with. */
const inheritedSentence = (name: string, from: InheritedFrom) => ` '${name}' has no rating of its own: it is judged by its ${from.level}, '${from.name}'.`;

/**
 * The decision for a title that may be a season or an episode: judged by its own facts, else by
 * the nearest of its `ancestors` (nearest first) that has any, and saying so. `override`: the
 * nearest one in force, its own or an ancestor's. Answers the facts it was judged by, with the
 * title's own name and identity, for the verdict to show.
 */
export function judge<T extends TitleFacts & { id: string; name: string; seasonNumber: number | null; episodeNumber: number | null }>(
  title: T,
  ancestors: readonly T[],
  policy: Policy,
  override: Override | null = null,
): { facts: T; verdict: Verdict } {
  const { facts, from } = inheritedFacts(title, ancestors);
  const verdict = decide(facts, policy, override);
  return { facts, verdict: from ? { ...verdict, inheritedFrom: from, message: `${verdict.message}${inheritedSentence(title.name, from)}` } : verdict };
}


/** The most blocked episodes a series' verdict names. */
const MAX_EXCEPT = 50;

/** What a series' or a season's verdict says of its episodes (`episodes=strictest`). */
export interface EpisodeSummary {
  /** Episodes checked, and whether there are more than were checked. */
  checked: number;
  more: boolean;
  blocked: number;
  /** Where each blocked episode sits ("S3E6"), in order, the first 50. */
  except: string[];
  /** The blocked episode with the highest age (the first, on a tie), else the allowed one with the highest age; null without episodes. */
  strictest: { id: string; name: string; seasonNumber: number | null; episodeNumber: number | null; label: string; status: Exclude<Verdict['status'], 'unknown'>; allowed: boolean; age: number | null; message: string } | null;
}

type JudgedEpisode = Pick<Placement, 'id' | 'seasonNumber' | 'episodeNumber'> & { name: string; verdict: Verdict };

/** Episodes' verdicts (in order) summed up for their series' verdict, and the sentence it ends with. */
export function strictestEpisode(episodes: readonly JudgedEpisode[], more: boolean): { episodes: EpisodeSummary; sentence: string } {
  const blocked = episodes.filter((e) => !e.verdict.allowed);
  const pool = blocked.length ? blocked : episodes;
  const top = pool.reduce<JudgedEpisode | null>((best, e) => (best === null || (e.verdict.age ?? -1) > (best.verdict.age ?? -1) ? e : best), null);
  const strictest = top && {
    id: top.id,
    name: top.name,
    seasonNumber: top.seasonNumber,
    episodeNumber: top.episodeNumber,
    label: episodeLabel(top),
    // The engine answers 'unknown' never; only a batch says it, of a reference that matches nothing.
    status: top.verdict.status as Exclude<Verdict['status'], 'unknown'>,
    allowed: top.verdict.allowed,
    age: top.verdict.age,
    message: top.verdict.message,
  };
  const except = blocked.slice(0, MAX_EXCEPT).map(episodeLabel);
  const summary = { checked: episodes.length, more, blocked: blocked.length, except, strictest };
  if (!strictest) return { episodes: summary, sentence: '' };
  const forAge = top!.verdict.forAge;
  const checked = more ? `the first ${episodes.length} episodes` : `its ${episodes.length === 1 ? 'one episode' : `${episodes.length} episodes`}`;
  if (!blocked.length) return { episodes: summary, sentence: ` ${episodes.length === 1 && !more ? 'Its one episode' : `Each of ${checked}`} is OK at age ${forAge} too.` };
  const named = `${except.join(', ')}${blocked.length > except.length ? ` and ${blocked.length - except.length} more` : ''}`;
  const why = strictest.age === null ? '' : `, from age ${strictest.age}`;
  return { episodes: summary, sentence: ` Not every episode: ${named} of ${checked} ${blocked.length === 1 ? 'is' : 'are'} not OK at age ${forAge} (the strictest: ${strictest.label} '${strictest.name}'${why}).` };
}
