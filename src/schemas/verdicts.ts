import { z } from 'zod';
import { CATEGORY_KEYS } from '../domain/categories.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { queryInt } from './common.js';
import { Certification, TitleKind } from './titles.js';

export const Reason = z
  .object({
    code: z.enum(['age', 'category', 'certification', 'override', 'unrated']),
    category: z.enum(CATEGORY_KEYS).nullable(),
    system: z.string().nullable().describe('The rating system, when a certification is involved.'),
    limit: z.union([z.number(), z.string()]).nullable().describe('What was allowed: an age, a level or a rating.'),
    value: z.union([z.number(), z.string()]).nullable().describe('What the title has.'),
    note: z.string().nullable().describe('The advisory’s note, or the certification’s reason.'),
    message: z.string().describe('A sentence a parent can read as it is.'),
  })
  .meta({ id: 'VerdictReason' });

export const CategoryRating = z
  .object({
    category: z.enum(CATEGORY_KEYS),
    label: z.string(),
    polarity: z.enum(['concern', 'positive']),
    level: z.int().min(0).max(5),
    note: z.string(),
  })
  .meta({ id: 'CategoryRating' });

export const AgeVerdict = z
  .object({
    title: z.object({ id: z.string(), name: z.string(), kind: TitleKind, year: z.int().nullable() }),
    status: z.enum(['ok', 'blocked', 'unrated']),
    allowed: z.boolean(),
    age: z.int().nullable().describe('The minimum age the decision rests on; null when nothing rates the title.'),
    forAge: z.int().describe('The age asked about.'),
    decidedBy: z.enum(['expert', 'certification', 'none']),
    message: z.string().describe('The decision in one sentence.'),
    reasons: z.array(Reason).describe('Every rule that failed; empty when the title is OK.'),
    ratings: z.array(CategoryRating).describe('Each category the advisory rates, so a parent can judge for themselves.'),
    certifications: z.array(Certification),
  })
  .meta({ id: 'AgeVerdict' });

export const AgeQuery = z.strictObject({
  age: queryInt(MIN_AGE, MAX_AGE).describe('The viewer’s age, 2–18.'),
});
