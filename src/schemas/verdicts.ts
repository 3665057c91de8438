import { z } from 'zod';
import { CATEGORY_KEYS } from '../domain/categories.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { queryInt } from './common.js';
import { Certification, RatingSystemKey, TitleKind } from './titles.js';

export const Reason = z
  .object({
    code: z.enum(['age', 'category', 'certification', 'override', 'unrated']),
    category: z.enum(CATEGORY_KEYS).nullable(),
    system: RatingSystemKey.nullable().describe('The rating system, when a certification is involved.'),
    limit: z.union([z.number(), z.string()]).nullable().describe('What was allowed: an age, a level or a rating.'),
    value: z.union([z.number(), z.string()]).nullable().describe('What the title has.'),
    note: z.string().nullable().describe('The advisory’s note, or the certification’s reason.'),
    message: z.string().describe('A sentence a parent can read as it is.'),
  })
  .meta({ id: 'VerdictReason' });

const CategoryRating = z
  .object({
    category: z.enum(CATEGORY_KEYS),
    label: z.string(),
    polarity: z.enum(['concern', 'positive']),
    level: z.int().min(0).max(5),
    note: z.string(),
  })
  .meta({ id: 'CategoryRating' });

const TitleRef = z.object({ id: z.string(), name: z.string(), kind: TitleKind, year: z.int().nullable() });

const verdictFields = {
  title: TitleRef,
  status: z.enum(['ok', 'blocked', 'unrated']),
  allowed: z.boolean(),
  age: z.int().nullable().describe('The minimum age the decision rests on; null when no age applies.'),
  forAge: z.int().describe('The age asked about: the query’s, or the child’s today.'),
  decidedBy: z.enum(['expert', 'certification', 'none']),
  message: z.string().describe('The decision in words a parent can read as they are.'),
  reasons: z.array(Reason).describe('Every rule that failed; empty when the title is OK. Under an override: the override first, then what the rules would have said.'),
  notRated: z.array(z.enum(CATEGORY_KEYS)).describe('Categories with a limit that the advisory does not rate: reported, never blocking.'),
  ratings: z.array(CategoryRating).describe('Each category the advisory rates, so a parent can judge for themselves.'),
  certifications: z.array(Certification),
};

export const AgeVerdict = z.object(verdictFields).meta({ id: 'AgeVerdict' });

export const ChildVerdict = z
  .object({
    ...verdictFields,
    status: z.enum(['ok', 'blocked', 'unrated', 'unknown']),
    decidedBy: z.enum(['expert', 'certification', 'community', 'override', 'none']),
    title: TitleRef.nullable().describe('null when the reference matches no title (status unknown).'),
    ref: z.string().describe('The reference, normalised (isbn:0316769487 reads isbn:9780316769488); as given when it is not a reference at all.'),
  })
  .meta({ id: 'ChildVerdict' });

export const VerdictBatchInput = z
  .strictObject({ titles: z.array(z.string().min(1).max(200)).min(1).max(100).describe('Title ids or external references, at most 100.') })
  .meta({ id: 'VerdictBatchRequest' });

export const AgeQuery = z.strictObject({
  age: queryInt(MIN_AGE, MAX_AGE).describe('The viewer’s age, 2–18.'),
});
