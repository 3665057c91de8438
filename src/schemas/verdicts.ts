import { z } from 'zod';
import { CATEGORY_KEYS } from '../domain/categories.js';
import { DESCRIPTOR_KEYS, SYSTEM_KEYS } from '../domain/rating-systems.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { Country } from './children.js';
import { CursorQuery, LimitQuery, queryInt } from './common.js';
import { Certification, RatingSystemKey, TitleId, TitleKind, TitleListItem, TitleName, Year } from './titles.js';

/** A reason's sentence or note: an editor's note is at most 1000 characters, a title's name 300; the verdict's message joins its reasons. */
const Sentence = z.string().max(2000);

export const Reason = z
  .object({
    code: z.enum(['age', 'category', 'certification', 'descriptor', 'override', 'unrated', 'allowlist']),
    category: z.enum(CATEGORY_KEYS).nullable(),
    system: RatingSystemKey.nullable().describe('The rating system, when a certification is involved.'),
    limit: z.union([z.number(), z.string().max(20)]).nullable().describe('What was allowed: an age, a level or a rating.'),
    value: z.union([z.number(), z.string().max(40)]).nullable().describe('What the title has: an age, a level, a rating, or a descriptor’s key.'),
    note: Sentence.nullable().describe('The advisory’s note, the certification’s reason, or the descriptor’s label.'),
    message: Sentence.describe('A sentence a parent can read as it is.'),
  })
  .meta({ id: 'VerdictReason' });

const CategoryRating = z
  .object({
    category: z.enum(CATEGORY_KEYS),
    label: z.string().max(50),
    polarity: z.enum(['concern', 'positive']),
    level: z.int().min(0).max(5),
    note: Sentence,
  })
  .meta({ id: 'CategoryRating' });

const TitleRef = z.object({ id: TitleId, name: TitleName, kind: TitleKind, year: Year.nullable() });

export const InheritedFrom = z
  .object({ id: TitleId, name: TitleName, level: z.enum(['season', 'series']) })
  .meta({ id: 'InheritedFrom', description: 'The season or series whose advisory and certifications judged a season or an episode that has none of its own.' });

/** Every rule that can fail at once: the override, the age, each category, each certification and descriptor, unrated. */
const MAX_REASONS = 4 + CATEGORY_KEYS.length + SYSTEM_KEYS.length + DESCRIPTOR_KEYS.length;

/** The certification that admits a child with an adult (see a verdict's withAdult). */
export const WithAdult = z
  .object({
    system: RatingSystemKey,
    rating: z.string().max(20),
    fromAge: z.int().min(MIN_AGE).max(MAX_AGE).describe('The youngest age the certification admits with an adult.'),
  })
  .meta({ id: 'WithAdult' });

/** A title of a child's catalogue: a list item, and whether the child may watch it only with an adult. */
export const ChildTitleListItem = TitleListItem.extend({
  withAdult: WithAdult.nullable().describe('Set when the child may watch it only with a parent or another adult beside them (the child’s withAdult is allow): the certification that admits them. Null when the title is OK on its own, or a parent’s override allowed it.'),
}).meta({ id: 'ChildTitleListItem' });

/** The most titles one batch asks about. */
export const MAX_BATCH = 100;

const verdictFields = {
  title: TitleRef,
  status: z.enum(['ok', 'blocked', 'unrated']),
  allowed: z.boolean(),
  age: z.int().min(MIN_AGE).max(MAX_AGE).nullable().describe('The minimum age the decision rests on; null when no age applies.'),
  forAge: z.int().min(0).max(9999).describe('The age asked about: the query’s, or the child’s today.'),
  decidedBy: z.enum(['expert', 'certification', 'none']),
  message: z.string().max(MAX_REASONS * 2000).describe('The decision in words a parent can read as they are.'),
  reasons: z.array(Reason).max(MAX_REASONS).describe('Every rule that failed; empty when the title is OK, but for one OK with an adult (withAdult), which lists the age rule it waives. Under an override: the override first, then what the rules would have said.'),
  notRated: z.array(z.enum(CATEGORY_KEYS)).max(CATEGORY_KEYS.length).describe('Categories with a limit that the advisory does not rate: reported, never blocking.'),
  ratings: z.array(CategoryRating).max(CATEGORY_KEYS.length).describe('Each category the advisory rates, so a parent can judge for themselves.'),
  certifications: z.array(Certification).max(SYSTEM_KEYS.length),
  inheritedFrom: InheritedFrom.nullable().describe('Null when the title was judged by its own advisory and certifications. For a season or an episode with none of its own: the season or series that judged it, whose ratings and certifications the verdict then shows.'),
  withAdult: WithAdult.nullable().describe('Set when the age rule fails only through certifications that admit the viewer with a parent or another adult, from `fromAge` (never below the age of the system’s nearest milder rating), and nothing else fails: the certification that decided. A child whose `withAdult` is allow is then OK; otherwise the verdict stays blocked and its message says what an adult would change.'),
};

const EpisodeLabel = z.string().max(20);

export const EpisodeSummary = z
  .object({
    checked: z.int().min(0).describe('Episodes checked: all of them, up to 5000.'),
    more: z.boolean().describe('Whether it has more episodes than were checked.'),
    blocked: z.int().min(0).describe('How many of them are not OK.'),
    except: z.array(EpisodeLabel).max(50).describe('Where each episode that is not OK sits ("S3E6"), in order, the first 50.'),
    strictest: z
      .object({
        id: TitleId,
        name: TitleName,
        seasonNumber: z.int().nullable(),
        episodeNumber: z.int().nullable(),
        label: EpisodeLabel,
        status: z.enum(['ok', 'blocked', 'unrated']),
        allowed: z.boolean(),
        age: z.int().min(MIN_AGE).max(MAX_AGE).nullable(),
        message: z.string().max(MAX_REASONS * 2000),
      })
      .nullable()
      .describe('The episode not OK with the highest age (the first, on a tie); when every episode is OK, the one with the highest age; null without episodes.'),
  })
  .meta({ id: 'EpisodeSummary', description: 'What a series’ or season’s verdict says of its episodes, each judged by its own rating or, without one, its season’s or series’.' });

export const AgeVerdict = z
  .object({
    ...verdictFields,
    episodes: EpisodeSummary.nullable().describe('With episodes=strictest: its episodes summed up, and the message says which are not OK ("OK except S3E6"). Null otherwise.'),
  })
  .meta({ id: 'AgeVerdict' });

export const ChildVerdict = z
  .object({
    ...verdictFields,
    status: z.enum(['ok', 'blocked', 'unrated', 'unknown']),
    decidedBy: z.enum(['expert', 'certification', 'community', 'override', 'none']),
    title: TitleRef.nullable().describe('null when the reference matches no title (status unknown).'),
    ref: z.string().max(200).describe('The reference, normalised (isbn:0316769487 reads isbn:9780316769488); as given when it is not a reference at all.'),
  })
  .meta({ id: 'ChildVerdict' });

export const VerdictBatchInput = z
  .strictObject({ titles: z.array(z.string().min(1).max(200)).min(1).max(MAX_BATCH).describe('Title ids or external references, at most 100.') })
  .meta({ id: 'VerdictBatchRequest' });

export const AgeQuery = z.strictObject({
  age: queryInt(MIN_AGE, MAX_AGE).describe('The viewer’s age, 2–18.'),
  country: Country.optional(),
  episodes: z.enum(['strictest']).optional().describe('For a series or a season: check every episode too and report the strictest (see `episodes` in the answer).'),
});

/** Whose verdicts an episode list carries: an age, or a child of the caller's household. */
export const EpisodeQuery = z
  .strictObject({
    age: queryInt(MIN_AGE, MAX_AGE).optional().describe('Each episode’s verdict at this age, as GET /v1/titles/{title}/verdict gives it.'),
    country: Country.optional(),
    child: z.string().min(1).max(40).optional().describe('Each episode’s verdict for this child of your household (needs a household token, or the child’s own device token).'),
    limit: LimitQuery,
    cursor: CursorQuery,
  })
  .superRefine((q, ctx) => {
    if (q.age !== undefined && q.child !== undefined) ctx.addIssue({ code: 'custom', path: ['child'], message: 'give an age or a child, not both' });
    if (q.country !== undefined && q.age === undefined) ctx.addIssue({ code: 'custom', path: ['country'], message: 'a country goes with an age' });
  });

/** An episode in a series' list: a list item, with its verdict when an age or a child was named. */
export const EpisodeItem = TitleListItem.extend({
  verdict: ChildVerdict.pick({ status: true, allowed: true, age: true, forAge: true, decidedBy: true, reasons: true, notRated: true, withAdult: true, inheritedFrom: true, message: true })
    .nullable()
    .describe('Null unless an age or a child was named.'),
}).meta({ id: 'EpisodeItem' });
