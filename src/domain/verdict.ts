/**
 * The verdict engine: pure functions from what is known about a title and who asks, to a
 * decision with reasons a parent can read as they are. No I/O, no clock: callers pass facts.
 */
import type { CategoryKey } from './categories.js';
import { findRating, strictestCertification, type Certification } from './rating-systems.js';

export const MIN_AGE = 2;
export const MAX_AGE = 18;

export interface RatingFact {
  level: number;
  note: string;
}

export interface TitleFacts {
  name: string;
  advisory: {
    ageRecommendation: number;
    ratings: Partial<Record<CategoryKey, RatingFact>>;
  } | null;
  certifications: readonly Certification[];
}

export type VerdictStatus = 'ok' | 'blocked' | 'unrated' | 'unknown';
export type DecidedBy = 'expert' | 'certification' | 'override' | 'none';
export type ReasonCode = 'age' | 'category' | 'certification' | 'override' | 'unrated';

export interface Reason {
  code: ReasonCode;
  category: CategoryKey | null;
  system: string | null;
  limit: number | string | null;
  value: number | string | null;
  note: string | null;
  message: string;
}

export interface Verdict {
  status: VerdictStatus;
  allowed: boolean;
  /** The minimum age the decision rests on; null when nothing rates the title. */
  age: number | null;
  /** The age of the viewer the question was asked for. */
  forAge: number;
  decidedBy: DecidedBy;
  reasons: Reason[];
  message: string;
}

export interface AgeBasis {
  age: number;
  decidedBy: 'expert' | 'certification';
  certification: (Certification & { minimumAge: number }) | null;
}

/** The age a title is suitable from: the expert advisory first, else its strictest certification. */
export function ageBasis(facts: TitleFacts): AgeBasis | null {
  if (facts.advisory) return { age: facts.advisory.ageRecommendation, decidedBy: 'expert', certification: null };
  const strictest = strictestCertification(facts.certifications);
  return strictest ? { age: strictest.minimumAge, decidedBy: 'certification', certification: strictest } : null;
}

/** "rated R by the MPA (for language), which we read as 17 and up" */
export function describeCertification(cert: Certification & { minimumAge: number }): string {
  const reason = cert.reason ? ` (${cert.reason})` : '';
  const system = findRating(cert.system, cert.rating)?.kind === 'restrictive' ? 'restricts it to' : 'advises';
  return `rated ${cert.rating} by ${cert.system}${reason}, which ${system} age ${cert.minimumAge} and up`;
}

function describeBasis(name: string, basis: AgeBasis): string {
  return basis.decidedBy === 'expert'
    ? `Guidepost's editors recommend “${name}” from age ${basis.age}`
    : `“${name}” is ${describeCertification(basis.certification!)}`;
}

/** "Is this title OK at age N?" — the anonymous question, answered from the title's own facts. */
export type AgeOnlyVerdict = Verdict & { status: 'ok' | 'blocked' | 'unrated'; decidedBy: 'expert' | 'certification' | 'none' };

export function ageVerdict(facts: TitleFacts, forAge: number): AgeOnlyVerdict {
  const basis = ageBasis(facts);
  if (!basis) {
    const message = `“${facts.name}” has no expert advisory and no official certification yet, so Guidepost cannot say whether it suits age ${forAge}.`;
    return {
      status: 'unrated',
      allowed: false,
      age: null,
      forAge,
      decidedBy: 'none',
      reasons: [{ code: 'unrated', category: null, system: null, limit: null, value: null, note: null, message }],
      message,
    };
  }
  const described = describeBasis(facts.name, basis);
  if (basis.age <= forAge) {
    return {
      status: 'ok',
      allowed: true,
      age: basis.age,
      forAge,
      decidedBy: basis.decidedBy,
      reasons: [],
      message: `OK at age ${forAge}: ${described}.`,
    };
  }
  return {
    status: 'blocked',
    allowed: false,
    age: basis.age,
    forAge,
    decidedBy: basis.decidedBy,
    reasons: [
      {
        code: 'age',
        category: null,
        system: basis.certification?.system ?? null,
        limit: forAge,
        value: basis.age,
        note: basis.certification?.reason ?? null,
        message: `${described}; the viewer is ${forAge}.`,
      },
    ],
    message: `Not OK at age ${forAge}: ${described}.`,
  };
}
