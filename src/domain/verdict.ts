/**
 * The verdict engine: one pure function from what is known about a title, who asks and what
 * they allow, to a decision with every failing rule in words a parent can read as they are.
 * No I/O, no clock: callers pass the facts, the viewer's age and any override in force.
 * Single verdicts, batches and the child's catalogue all decide through `decide`.
 */
import { CATEGORIES, categoryOf, type CategoryKey } from './categories.js';
import { adultFrom, DESCRIPTOR_KEYS, findDescriptor, findRating, RATING_BY_ORDER, strictestCertification, SYSTEM_KEYS, systemsFor, type Certification, type Rating } from './rating-systems.js';

export const MIN_AGE = 2;
export const MAX_AGE = 18;

interface RatingFact {
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
  /** What parents who reviewed the title say (visible reviews only). */
  community?: { parents: { count: number; medianAge: number | null } };
}

type AgeRule = 'expert' | 'strictest' | 'off';

export interface Policy {
  /** The viewer's age today. */
  age: number;
  /** expert: the advisory's age, else the strictest certification's; strictest: the highest of them all; off: no age rule. */
  ageRule: AgeRule;
  /** Under `strictest`, the parents' median age counts once a title has this many parent reviews. */
  communityMinReviews: number;
  /** Effective limits: a maximum for each concern, a minimum for each positive category. */
  limits: Partial<Record<CategoryKey, number>>;
  /** The strictest rating allowed per system, e.g. { MPA: 'PG-13' }. */
  certificationCeilings: Readonly<Partial<Record<string, string>>>;
  /** Content descriptors that block a title whose certification carries one, as `SYSTEM:key` (DESCRIPTOR_KEYS). */
  blockDescriptors: readonly string[];
  unrated: 'block' | 'allow';
  /**
   * The household's country (ISO 3166-1 alpha-2) or null. Under the expert rule, a title with no
   * advisory and a certification from that country's systems takes its age from those alone.
   */
  country: string | null;
  /** Whether a title the age rule blocks only through certifications that admit the viewer with an adult is allowed. */
  withAdult: 'block' | 'allow';
  /** limits: the rules decide; allowlist: nothing is OK but what a parent's override allows, whatever the rules say. */
  mode: 'limits' | 'allowlist';
  /**
   * Who the sentences speak of: a child's verdict says "your child", and may point at the
   * child's settings; the anonymous question has no settings to point at.
   */
  who: 'your child' | 'the viewer';
}

export interface Override {
  decision: 'allow' | 'block';
  note: string | null;
  expiresAt: string | null;
}

type VerdictStatus = 'ok' | 'blocked' | 'unrated' | 'unknown';
type DecidedBy = 'expert' | 'certification' | 'community' | 'override' | 'none';
type ReasonCode = 'age' | 'category' | 'certification' | 'descriptor' | 'override' | 'unrated' | 'allowlist';

export interface Reason {
  code: ReasonCode;
  category: CategoryKey | null;
  system: string | null;
  limit: number | string | null;
  value: number | string | null;
  note: string | null;
  message: string;
}

/** The certification that admits the viewer with a parent or another adult, from `fromAge`. */
export interface WithAdult {
  system: string;
  rating: string;
  fromAge: number;
}

/** The level above a title that its verdict was judged by (src/domain/series.ts). */
export interface InheritedFrom {
  id: string;
  name: string;
  level: 'season' | 'series';
}

export interface Verdict {
  status: VerdictStatus;
  allowed: boolean;
  /** The minimum age the decision rests on; null when no age applies. */
  age: number | null;
  /** The viewer's age the question was asked for. */
  forAge: number;
  decidedBy: DecidedBy;
  /** Every rule that failed (under an override: what the rules would have said, after the override itself). */
  reasons: Reason[];
  /** Categories with a limit that the title's advisory does not rate: reported, never blocking. */
  notRated: CategoryKey[];
  /** Set when the age rule fails only through certifications that admit the viewer with an adult and nothing else fails; the policy's `withAdult` says whether that allows it. */
  withAdult: WithAdult | null;
  /** Set when the title has no rating of its own and its season's or series' decided (src/domain/series.ts). */
  inheritedFrom: InheritedFrom | null;
  message: string;
}

interface AgeBasis {
  age: number;
  decidedBy: 'expert' | 'certification' | 'community';
  certification: (Certification & { minimumAge: number }) | null;
  /** For the community: the median and how many parents it rests on. */
  community?: { medianAge: number; count: number };
}

/**
 * The certifications the expert rule reads: the country's own where the title has any, else
 * all. A German family's title rated FSK 12 and BBFC 15 is judged by FSK, never by comparing
 * the two boards' scales as if they were one.
 */
function certificationsFor(facts: TitleFacts, country: string | null): readonly Certification[] {
  if (country === null) return facts.certifications;
  const systems = systemsFor(country);
  const own = facts.certifications.filter((c) => systems.has(c.system));
  return own.length ? own : facts.certifications;
}

/** The age a title is suitable from: the expert advisory first, else its strictest certification (of the country's, where it has any). */
export function ageBasis(facts: TitleFacts, country: string | null = null): (AgeBasis & { decidedBy: 'expert' | 'certification' }) | null {
  if (facts.advisory) return { age: facts.advisory.ageRecommendation, decidedBy: 'expert', certification: null };
  const strictest = strictestCertification(certificationsFor(facts, country));
  return strictest ? { age: strictest.minimumAge, decidedBy: 'certification', certification: strictest } : null;
}

/**
 * The highest age any source gives: the advisory, every certification, and the parents' median
 * (rounded up) once enough parents reviewed. On a tie the advisory wins, then the certification.
 */
function strictestBasis(facts: TitleFacts, minReviews: number): AgeBasis | null {
  const candidates: AgeBasis[] = [];
  if (facts.advisory) candidates.push({ age: facts.advisory.ageRecommendation, decidedBy: 'expert', certification: null });
  const cert = strictestCertification(facts.certifications);
  if (cert) candidates.push({ age: cert.minimumAge, decidedBy: 'certification', certification: cert });
  const parents = facts.community?.parents;
  if (parents && parents.medianAge !== null && parents.count >= minReviews) {
    candidates.push({ age: Math.ceil(parents.medianAge), decidedBy: 'community', certification: null, community: { medianAge: parents.medianAge, count: parents.count } });
  }
  return candidates.reduce<AgeBasis | null>((best, c) => (!best || c.age > best.age ? c : best), null);
}

/** "rated R by MPA (for language), which restricts it to age 17 and up" */
function describeCertification(cert: Certification & { minimumAge: number }): string {
  const reason = cert.reason ? ` (${cert.reason})` : '';
  const verb = findRating(cert.system, cert.rating)?.kind === 'restrictive' ? 'restricts it to' : 'advises';
  return `rated ${cert.rating} by ${cert.system}${reason}, which ${verb} age ${cert.minimumAge} and up`;
}

// Titles are quoted with plain ' in sentences, not “ ”: one character outside Latin-1 makes the
// whole answer a two-byte string, and Node spends twice as long turning that into bytes (a batch
// of 50 verdicts lost a fifth of its throughput to it).
function describeBasis(name: string, basis: AgeBasis): string {
  switch (basis.decidedBy) {
    case 'expert':
      return `Guidepost's editors recommend '${name}' from age ${basis.age}`;
    case 'certification':
      return `'${name}' is ${describeCertification(basis.certification!)}`;
    case 'community':
      return `The ${basis.community!.count} parents who reviewed '${name}' put it at age ${basis.community!.medianAge} on the median, so from age ${basis.age}`;
  }
}

const reason = (r: Pick<Reason, 'code' | 'message'> & Partial<Reason>): Reason => ({ category: null, system: null, limit: null, value: null, note: null, ...r });

function ageReasons(facts: TitleFacts, policy: Policy, basis: AgeBasis | null): Reason[] {
  if (!basis || basis.age <= policy.age) return [];
  return [
    reason({
      code: 'age',
      system: basis.certification?.system ?? null,
      limit: policy.age,
      value: basis.age,
      note: basis.certification?.reason ?? null,
      message: `${describeBasis(facts.name, basis)}; ${policy.who} is ${policy.age}.`,
    }),
  ];
}

function categoryReasons(facts: TitleFacts, policy: Policy, notRated: CategoryKey[]): Reason[] {
  const reasons: Reason[] = [];
  for (const category of CATEGORIES) {
    const limit = policy.limits[category.key];
    if (limit === undefined) continue;
    const rated = facts.advisory?.ratings[category.key];
    if (!rated) {
      // A maximum of 5 or a minimum of 0 asks for nothing, so there is nothing to report.
      if (category.polarity === 'concern' ? limit < 5 : limit > 0) notRated.push(category.key);
      continue;
    }
    const fails = category.polarity === 'concern' ? rated.level > limit : rated.level < limit;
    if (!fails) continue;
    const bound = category.polarity === 'concern' ? `above the limit of ${limit}` : `below the minimum of ${limit}`;
    reasons.push(
      reason({
        code: 'category',
        category: category.key,
        limit,
        value: rated.level,
        note: rated.note,
        message: `${category.label} is rated ${rated.level} of 5, ${bound}: ${rated.note}`,
      }),
    );
  }
  return reasons;
}

function certificationReasons(facts: TitleFacts, policy: Policy): Reason[] {
  return facts.certifications.flatMap((cert) => {
    const ceiling = policy.certificationCeilings[cert.system];
    if (ceiling === undefined) return [];
    const [rating, allowed] = [findRating(cert.system, cert.rating), findRating(cert.system, ceiling)];
    if (!rating || !allowed || rating.order <= allowed.order) return [];
    return [
      reason({
        code: 'certification',
        system: cert.system,
        limit: ceiling,
        value: cert.rating,
        note: cert.reason ?? null,
        message: `'${facts.name}' is rated ${cert.rating} by ${cert.system}, above the ceiling of ${ceiling}.`,
      }),
    ];
  });
}

function descriptorReasons(facts: TitleFacts, policy: Policy): Reason[] {
  if (policy.blockDescriptors.length === 0) return [];
  return facts.certifications.flatMap((cert) =>
    (cert.descriptors ?? []).flatMap((key) => {
      const descriptor = findDescriptor(cert.system, key);
      if (!descriptor || !policy.blockDescriptors.includes(`${cert.system}:${key}`)) return [];
      return [
        reason({
          code: 'descriptor',
          system: cert.system,
          value: key,
          note: descriptor.label,
          message: `'${facts.name}' carries ${cert.system}'s "${descriptor.label}" descriptor, which ${policy.who === 'your child' ? "your child's settings block" : 'is blocked'}.`,
        }),
      ];
    }),
  );
}

/**
 * The certification that admits the viewer with an adult, when the age rule is the only one
 * that fails and it fails only through certifications: every one above the viewer's age admits
 * them accompanied at their age (`adultFrom`: MPA R from 13, BBFC 12A and ACB MA15+ from 8, FSK
 * 12 from 6), and under the strictest rule neither the advisory nor the parents' median is above
 * it. Editors' ages and the parents' have no "with an adult", so an age they set is never waived.
 */
function accompanied(facts: TitleFacts, policy: Policy, basis: AgeBasis | null, failures: Reason[]): WithAdult | null {
  if (basis?.decidedBy !== 'certification' || failures.length === 0 || failures.some((f) => f.code !== 'age')) return null;
  if (policy.ageRule === 'strictest') {
    if ((facts.advisory?.ageRecommendation ?? 0) > policy.age) return null;
    const parents = facts.community?.parents;
    if (parents && parents.medianAge !== null && parents.count >= policy.communityMinReviews && Math.ceil(parents.medianAge) > policy.age) return null;
  }
  for (const cert of policy.ageRule === 'expert' ? certificationsFor(facts, policy.country) : facts.certifications) {
    const rating = findRating(cert.system, cert.rating);
    if (rating && keepsOut(cert.system, rating, policy.age)) return null;
  }
  const { system, rating } = basis.certification!;
  return { system, rating, fromAge: adultFrom(system, findRating(system, rating)!)! };
}

/** Whether a rating keeps a viewer of `age` out, with an adult or without. */
function keepsOut(system: string, rating: Rating, age: number): boolean {
  if (rating.minimumAge <= age) return false;
  const from = adultFrom(system, rating);
  return from === null || from > age;
}

/** "MPA R admits under-17s with a parent or another adult (Guidepost from age 13)" */
function describeAccompanied(adult: WithAdult): string {
  const rating = findRating(adult.system, adult.rating)!;
  const who = rating.accompaniedAge! <= MIN_AGE ? `under-${rating.minimumAge}s` : `children from ${rating.accompaniedAge}`;
  const ours = adult.fromAge > rating.accompaniedAge! ? ` (Guidepost from age ${adult.fromAge})` : '';
  return `${adult.system} ${adult.rating} admits ${who} with a parent or another adult${ours}`;
}

/** The reasons in a few words each, for the one-sentence message. */
function summarise(reasons: Reason[]): string {
  if (reasons.length === 1) return reasons[0]!.message.replace(/\.$/, '');
  return reasons
    .map((r) => {
      switch (r.code) {
        case 'age':
          return r.system ? `${r.system} rating for age ${r.value} and up` : r.message.startsWith('The ') ? `parents' median age ${r.value}` : `recommended from age ${r.value}`;
        case 'category': {
          const category = categoryOf(r.category!);
          return `${category.label} ${r.value} of 5 (${category.polarity === 'concern' ? 'limit' : 'minimum'} ${r.limit})`;
        }
        case 'certification':
          return `rated ${r.value} by ${r.system} (ceiling ${r.limit})`;
        case 'descriptor':
          return `${r.system} "${r.note}"`;
        default:
          return r.message.replace(/\.$/, '');
      }
    })
    .join('; ');
}

/** The whole decision. `override` must be one in force (see `activeOverride`). */
export function decide(facts: TitleFacts, policy: Policy, override: Override | null = null): Verdict {
  const rated = facts.advisory !== null || facts.certifications.length > 0;
  const basis = policy.ageRule === 'off' ? null : policy.ageRule === 'strictest' ? strictestBasis(facts, policy.communityMinReviews) : ageBasis(facts, policy.country);
  const notRated: CategoryKey[] = [];
  const failures = rated
    ? [...ageReasons(facts, policy, basis), ...categoryReasons(facts, policy, notRated), ...certificationReasons(facts, policy), ...descriptorReasons(facts, policy)]
    : policy.unrated === 'block'
      ? [
          reason({
            code: 'unrated',
            message: `Nothing rates '${facts.name}' yet (no expert advisory, no official certification), and unrated titles are not allowed.`,
          }),
        ]
      : [];
  const decidedBy: DecidedBy = basis?.decidedBy ?? (facts.advisory ? 'expert' : facts.certifications.length ? 'certification' : 'none');
  const withAdult = accompanied(facts, policy, basis, failures);
  const base = { age: basis?.age ?? null, forAge: policy.age, notRated, withAdult, inheritedFrom: null };

  if (override) {
    const allowed = override.decision === 'allow';
    const until = override.expiresAt ? ` until ${override.expiresAt}` : '';
    const note = override.note ? ` (${override.note})` : '';
    const own = reason({
      code: 'override',
      limit: null,
      value: override.decision,
      note: override.note,
      message: `A parent ${allowed ? 'allowed' : 'blocked'} '${facts.name}'${until}${note}.`,
    });
    const adult = withAdult && policy.withAdult === 'allow' ? ` The rules alone would allow it with an adult: ${describeAccompanied(withAdult)}.` : '';
    const without = adult || (failures.length ? ` Without it: ${summarise(failures)}.` : ' The rules alone would allow it.');
    return { ...base, status: allowed ? 'ok' : 'blocked', allowed, decidedBy: 'override', reasons: [own, ...failures], message: `${own.message}${without}` };
  }
  if (policy.mode === 'allowlist') {
    // The rules still show, so a parent sees what allowing it would let through.
    const own = reason({ code: 'allowlist', message: `'${facts.name}' is not on your child's allow-list: in allow-list mode only the titles a parent allowed are OK.` });
    const rules = failures.length ? ` The rules alone: ${summarise(failures)}.` : ' The rules alone would allow it.';
    return { ...base, status: 'blocked', allowed: false, decidedBy, reasons: [own, ...failures], message: `Not OK: ${own.message}${rules}` };
  }
  if (!rated) {
    const allowed = policy.unrated === 'allow';
    return {
      ...base,
      status: allowed ? 'ok' : 'unrated',
      allowed,
      decidedBy,
      reasons: failures,
      message: allowed
        ? `OK: nothing rates '${facts.name}' yet, and unrated titles are allowed.`
        : `Not rated: '${facts.name}' has no expert advisory and no official certification, so Guidepost cannot say whether it suits age ${policy.age}.`,
    };
  }
  if (failures.length) {
    if (withAdult && policy.withAdult === 'allow') {
      const message = `OK with an adult at age ${policy.age}: ${summarise(failures)}, and ${describeAccompanied(withAdult)}.`;
      return { ...base, status: 'ok', allowed: true, decidedBy, reasons: failures, message };
    }
    // The anonymous question has no settings to point at; a child's verdict says which one blocks.
    const also = !withAdult
      ? ''
      : policy.who === 'your child'
        ? ` ${describeAccompanied(withAdult)}, which your child's settings do not accept (withAdult: block).`
        : ` OK with an adult: ${describeAccompanied(withAdult)}.`;
    return { ...base, status: 'blocked', allowed: false, decidedBy, reasons: failures, message: `Not OK at age ${policy.age}: ${summarise(failures)}.${also}` };
  }
  const why = basis ? `${describeBasis(facts.name, basis)}` : `'${facts.name}' is within every limit`;
  return { ...base, status: 'ok', allowed: true, decidedBy, reasons: [], message: `OK at age ${policy.age}: ${why}.` };
}

/** The override if it is still in force at `now` (ISO 8601). */
export function activeOverride(override: Override | null | undefined, now: string): Override | null {
  return override && (override.expiresAt === null || override.expiresAt > now) ? override : null;
}

/** The anonymous question: "is this OK at age N?", with no limits but the age. */
export function anonymousPolicy(age: number, country: string | null = null): Policy {
  return { age, ageRule: 'expert', communityMinReviews: Infinity, limits: {}, certificationCeilings: {}, blockDescriptors: [], unrated: 'block', country, withAdult: 'block', mode: 'limits', who: 'the viewer' };
}

export type AgeOnlyVerdict = Verdict & { status: 'ok' | 'blocked' | 'unrated'; decidedBy: 'expert' | 'certification' | 'none' };

export function ageVerdict(facts: TitleFacts, forAge: number, country: string | null = null): AgeOnlyVerdict {
  return decide(facts, anonymousPolicy(forAge, country)) as AgeOnlyVerdict;
}

/**
 * What `decide` needs to say allowed or not, for many titles at once, as columns of small
 * numbers indexed by a slot: the child's catalogue tests up to a million titles per page
 * with `allowedTest`, which must agree with `decide(...).allowed` (a property test holds it to that).
 */
export interface FactColumns {
  /** 1 when an advisory or a certification rates the title. */
  rated: Uint8Array;
  /** The advisory's age; NO_AGE without an advisory. */
  advisoryAge: Uint8Array;
  /** `ageBasis`: the advisory's age, else the strictest certification's; NO_AGE when neither. */
  basisAge: Uint8Array;
  /** The highest of the advisory's age and every certification's; NO_AGE when neither. */
  strictestAge: Uint8Array;
  parentCount: Uint32Array;
  /** The parents' median age; NaN without parent reviews. */
  parentMedian: Float32Array;
  /** CATEGORIES.length levels per slot, NO_LEVEL where the advisory gives none. */
  levels: Uint8Array;
  /** SYSTEM_KEYS.length rating orders per slot, NO_RATING where the title has none of that system. */
  ratingOrders: Uint8Array;
  /** DESCRIPTOR_WORDS words per slot: bit i of the slot's words set when a certification carries DESCRIPTOR_KEYS[i]. */
  descriptors: Uint32Array;
}

const DESCRIPTOR_WORDS = Math.ceil(DESCRIPTOR_KEYS.length / 32);
const DESCRIPTOR_BIT = new Map(DESCRIPTOR_KEYS.map((key, i) => [key, i]));

const NO_AGE = 0;
export const NO_LEVEL = 255;
const NO_RATING = 255;

/** Columns for `slots` titles, each slot rating nothing until `packFacts` fills it. */
export function factColumns(slots: number): FactColumns {
  return {
    rated: new Uint8Array(slots),
    advisoryAge: new Uint8Array(slots),
    basisAge: new Uint8Array(slots),
    strictestAge: new Uint8Array(slots),
    parentCount: new Uint32Array(slots),
    parentMedian: new Float32Array(slots),
    levels: new Uint8Array(slots * CATEGORIES.length).fill(NO_LEVEL),
    ratingOrders: new Uint8Array(slots * SYSTEM_KEYS.length).fill(NO_RATING),
    descriptors: new Uint32Array(slots * DESCRIPTOR_WORDS),
  };
}

/** Writes one title's facts into the columns at `slot`. */
export function packFacts(facts: TitleFacts, columns: FactColumns, slot: number): void {
  const basis = ageBasis(facts);
  const cert = strictestCertification(facts.certifications);
  columns.rated[slot] = facts.advisory !== null || facts.certifications.length > 0 ? 1 : 0;
  columns.advisoryAge[slot] = facts.advisory?.ageRecommendation ?? NO_AGE;
  columns.basisAge[slot] = basis?.age ?? NO_AGE;
  columns.strictestAge[slot] = Math.max(facts.advisory?.ageRecommendation ?? NO_AGE, cert?.minimumAge ?? NO_AGE);
  columns.parentCount[slot] = facts.community?.parents.count ?? 0;
  columns.parentMedian[slot] = facts.community?.parents.medianAge ?? NaN;
  CATEGORIES.forEach((c, i) => {
    columns.levels[slot * CATEGORIES.length + i] = facts.advisory?.ratings[c.key]?.level ?? NO_LEVEL;
  });
  SYSTEM_KEYS.forEach((system, i) => {
    const found = facts.certifications.find((x) => x.system === system);
    columns.ratingOrders[slot * SYSTEM_KEYS.length + i] = (found && findRating(system, found.rating)?.order) ?? NO_RATING;
  });
  columns.descriptors.fill(0, slot * DESCRIPTOR_WORDS, (slot + 1) * DESCRIPTOR_WORDS);
  for (const cert of facts.certifications) {
    for (const key of cert.descriptors ?? []) {
      const bit = DESCRIPTOR_BIT.get(`${cert.system}:${key}`);
      if (bit !== undefined) columns.descriptors[slot * DESCRIPTOR_WORDS + (bit >>> 5)]! |= 1 << (bit & 31);
    }
  }
}

/** `decide(facts, policy).allowed` without an override, compiled once per policy for a scan over columns. */
export function allowedTest(policy: Policy): (columns: FactColumns, slot: number) => boolean {
  // Only overrides allow in allow-list mode, and the catalogue settles those before any test.
  if (policy.mode === 'allowlist') return () => false;
  const unratedAllowed = policy.unrated === 'allow';
  const { age, ageRule, communityMinReviews } = policy;
  // Per category: [index, limit, concern?]; a level the advisory does not give never fails.
  const limits = CATEGORIES.flatMap((c, i) => {
    const limit = policy.limits[c.key];
    return limit === undefined ? [] : [[i, limit, c.polarity === 'concern'] as const];
  });
  const ceilings = SYSTEM_KEYS.flatMap((system, i) => {
    const ceiling = policy.certificationCeilings[system];
    const found = ceiling === undefined ? undefined : findRating(system, ceiling);
    return found ? [[i, found.order] as const] : [];
  });
  const nCategories = CATEGORIES.length;
  const nSystems = SYSTEM_KEYS.length;
  // The blocked descriptors as a mask over each slot's words: [word, bits] where any bit is set.
  const blocked = new Uint32Array(DESCRIPTOR_WORDS);
  for (const key of policy.blockDescriptors) {
    const bit = DESCRIPTOR_BIT.get(key);
    if (bit !== undefined) blocked[bit >>> 5]! |= 1 << (bit & 31);
  }
  const masks = [...blocked].flatMap((bits, word) => (bits === 0 ? [] : [[word, bits] as const]));
  const adultAllowed = policy.withAdult === 'allow';
  // Per system, by rating order: its age, and whether it keeps the viewer out even with an adult.
  const ageOf = SYSTEM_KEYS.map((system) => RATING_BY_ORDER.get(system)!.map((r) => r.minimumAge));
  const keptOut = SYSTEM_KEYS.map((system) => RATING_BY_ORDER.get(system)!.map((r) => keepsOut(system, r, age)));
  const everySystem = SYSTEM_KEYS.map((_, i) => i);
  // `certificationsFor` over the columns: the country's systems when the expert rule reads them and the title has one.
  const own = policy.country === null || ageRule !== 'expert' ? [] : everySystem.filter((i) => systemsFor(policy.country!).has(SYSTEM_KEYS[i]!));
  const ownAt = (columns: FactColumns, slot: number) => own.some((i) => columns.ratingOrders[slot * nSystems + i] !== NO_RATING);
  /** `ageBasis` with the country: the advisory's age, else the strictest of the country's certifications, else of all. */
  const basisAge = (columns: FactColumns, slot: number): number => {
    if (columns.advisoryAge[slot] !== NO_AGE || !ownAt(columns, slot)) return columns.basisAge[slot]!;
    let strictest = NO_AGE;
    for (const i of own) {
      const rating = columns.ratingOrders[slot * nSystems + i]!;
      if (rating !== NO_RATING) strictest = Math.max(strictest, ageOf[i]![rating]!);
    }
    return strictest;
  };
  /** `accompanied` over the columns, once the age rule has failed: no advisory or parents' age over the viewer's, no certification that keeps them out. */
  const admittedWithAdult = (columns: FactColumns, slot: number): boolean => {
    if (columns.advisoryAge[slot]! !== NO_AGE && (ageRule === 'expert' || columns.advisoryAge[slot]! > age)) return false;
    if (ageRule === 'strictest' && columns.parentCount[slot]! >= communityMinReviews && Math.ceil(columns.parentMedian[slot]!) > age) return false;
    for (const i of ownAt(columns, slot) ? own : everySystem) {
      const rating = columns.ratingOrders[slot * nSystems + i]!;
      if (rating !== NO_RATING && keptOut[i]![rating]) return false;
    }
    return true;
  };
  return (columns, slot) => {
    if (columns.rated[slot] === 0) return unratedAllowed;
    let tooYoung = false;
    if (ageRule === 'expert') {
      tooYoung = (own.length ? basisAge(columns, slot) : columns.basisAge[slot]!) > age;
    } else if (ageRule === 'strictest') {
      tooYoung = columns.strictestAge[slot]! > age || (columns.parentCount[slot]! >= communityMinReviews && Math.ceil(columns.parentMedian[slot]!) > age);
    }
    if (tooYoung && !(adultAllowed && admittedWithAdult(columns, slot))) return false;
    for (const [i, limit, concern] of limits) {
      const level = columns.levels[slot * nCategories + i]!;
      if (level !== NO_LEVEL && (concern ? level > limit : level < limit)) return false;
    }
    for (const [i, order] of ceilings) {
      const rating = columns.ratingOrders[slot * nSystems + i]!;
      if (rating !== NO_RATING && rating > order) return false;
    }
    for (const [word, bits] of masks) if ((columns.descriptors[slot * DESCRIPTOR_WORDS + word]! & bits) !== 0) return false;
    return true;
  };
}
