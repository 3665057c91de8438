import t from 'tap';
import { testPolicy } from './policy.js';
import { judge, placementFieldProblem, placementProblem, strictestEpisode, type Placement } from '../../src/domain/series.js';
import type { Policy, TitleFacts } from '../../src/domain/verdict.js';

const policy = (p: Partial<Policy> = {}): Policy => testPolicy({ communityMinReviews: 3, ...p });

type Title = TitleFacts & { id: string; seasonNumber: number | null; episodeNumber: number | null };
const rated = (age: number) => ({ ageRecommendation: age, ratings: {} });
const series: Title = { id: 'tl_s', name: 'Series', advisory: rated(12), certifications: [], seasonNumber: null, episodeNumber: null };
const season: Title = { id: 'tl_1', name: 'Season 1', advisory: null, certifications: [], seasonNumber: 1, episodeNumber: null };
const episode = (p: Partial<Title> = {}): Title => ({ id: 'tl_e', name: 'Pilot', advisory: null, certifications: [], seasonNumber: 1, episodeNumber: 1, ...p });

t.test('an episode is judged by its own facts, else the nearest level that has any', async (t) => {
  const bare = judge(episode(), [season, series], policy());
  t.match(bare.verdict, { allowed: true, age: 12, inheritedFrom: { id: 'tl_s', name: 'Series', level: 'series' } });
  t.equal(bare.facts.name, 'Pilot', 'the episode keeps its own name');
  t.equal(bare.facts.advisory, series.advisory, 'and carries the facts that judged it');
  t.match(judge(episode(), [{ ...season, certifications: [{ system: 'US-TV', rating: 'TV-14' }] }, series], policy()).verdict, { allowed: false, inheritedFrom: { id: 'tl_1', level: 'season' } });
  t.match(judge(episode({ certifications: [{ system: 'US-TV', rating: 'TV-Y' }] }), [season, { ...series, advisory: rated(16) }], policy()).verdict, { allowed: true, inheritedFrom: null }, 'its own certification wins, even a milder one');
  t.match(judge(episode(), [season, { ...series, advisory: null }], policy()).verdict, { status: 'unrated', inheritedFrom: null }, 'nothing above it rates it either');
});

t.test('under every age rule an episode is at least as strict as its own facts', async (t) => {
  const strict = episode({ advisory: rated(16) });
  for (const ageRule of ['expert', 'strictest'] as const) {
    t.match(judge(strict, [season, series], policy({ ageRule, age: 14 })).verdict, { allowed: false, age: 16, inheritedFrom: null }, ageRule);
  }
  // The parents' median counts under `strictest`: the episode's own reviews, beside the series' advisory.
  const reviewed = episode({ community: { parents: { count: 4, medianAge: 15 } } });
  t.match(judge(reviewed, [season, series], policy({ ageRule: 'strictest', age: 13 })).verdict, { allowed: false, age: 15, inheritedFrom: { level: 'series' } });
});

t.test('a place is checked field by field, then against the parent', async (t) => {
  const p = (over: Partial<Placement>): Placement => ({ id: 'tl_x', kind: 'tv', parentId: 'tl_s', seasonNumber: 1, episodeNumber: 2, ...over });
  const none = { seasons: false, episodes: false };
  t.equal(placementFieldProblem(p({ parentId: null, seasonNumber: null, episodeNumber: null })), null);
  t.match(placementFieldProblem(p({ parentId: null })), { field: 'seasonNumber' });
  t.match(placementFieldProblem(p({ parentId: null, seasonNumber: null })), { field: 'episodeNumber' });
  t.match(placementFieldProblem(p({ kind: 'book' })), { field: 'parentId', problem: /a book has no seasons/ });
  t.match(placementFieldProblem(p({ seasonNumber: null, episodeNumber: null })), { field: 'parentId' });
  const top = p({ id: 'tl_s', parentId: null, seasonNumber: null, episodeNumber: null });
  const s1 = p({ id: 'tl_1', episodeNumber: null });
  t.equal(placementProblem(p({}), top, none), null, 'an episode straight under its series');
  t.match(placementProblem(p({}), top, { seasons: true, episodes: true }), { problem: /give the season as its parentId/ });
  t.match(placementProblem(s1, top, { seasons: true, episodes: true }), { problem: /holds its episodes directly/ });
  t.equal(placementProblem(p({ parentId: 'tl_1' }), s1, none), null, 'an episode under its season');
  t.match(placementProblem(p({ parentId: 'tl_1', seasonNumber: 2 }), s1, none), { field: 'seasonNumber', problem: /give seasonNumber 1/ });
  t.match(placementProblem(p({ parentId: 'tl_1', seasonNumber: null }), s1, none), { field: 'seasonNumber' });
  t.match(placementProblem(p({ parentId: 'tl_1', episodeNumber: null }), s1, none), { problem: /a season belongs to a series/ });
  t.match(placementProblem(p({ parentId: 'tl_e' }), p({ id: 'tl_e' }), none), { problem: /is an episode/ });
  t.match(placementProblem(p({ parentId: 'tl_x' }), p({}), none), { problem: /its own parent/ });
  t.match(placementProblem(p({}), { ...top, kind: 'podcast' }, none), { problem: /a podcast title/ });
  t.match(placementProblem(p({}), null, none), { problem: /is not in the catalogue/ });
});

t.test('a series’ episodes summed up: the strictest, and the sentence a parent reads', async (t) => {
  const judged = (label: [number, number], age: number, allowed: boolean) => ({
    id: `tl_${label.join('_')}`,
    name: `Episode ${label[1]}`,
    seasonNumber: label[0],
    episodeNumber: label[1],
    verdict: { ...judge(episode(), [], policy()).verdict, age, allowed, status: allowed ? ('ok' as const) : ('blocked' as const), forAge: 12, message: `age ${age}` },
  });
  t.same(strictestEpisode([], false), { episodes: { checked: 0, more: false, blocked: 0, except: [], strictest: null }, sentence: '' });
  const one = strictestEpisode([judged([1, 1], 10, true)], false);
  t.equal(one.sentence, ' Its one episode is OK at age 12 too.');
  const some = strictestEpisode([judged([1, 1], 10, true), judged([1, 2], 14, false), judged([2, 1], 16, false), judged([2, 2], 16, false)], true);
  t.match(some.episodes, { checked: 4, more: true, blocked: 3, except: ['S1E2', 'S2E1', 'S2E2'], strictest: { label: 'S2E1', age: 16 } }, 'the first of the strictest');
  t.equal(some.sentence, " Not every episode: S1E2, S2E1, S2E2 of the first 4 episodes are not OK at age 12 (the strictest: S2E1 'Episode 1', from age 16).");
  const many = strictestEpisode(Array.from({ length: 60 }, (_, i) => judged([1, i + 1], 13, false)), false);
  t.equal(many.episodes.except.length, 50);
  t.match(many.sentence, /S1E50 and 10 more of its 60 episodes are not OK/);
});
