/**
 * Official rating systems and the age each rating stands for. Ratings are listed from the
 * mildest to the strictest; `order` is the index in that list. `minimumAge` is the youngest
 * age (2–18) at which Guidepost treats the rating as passed: the stated age for restrictive
 * and age-labelled ratings, and a documented judgement for advisory ones without an age.
 */
export const RATING_SYSTEMS_VERSION = '2026-11-24';

type RatingKind = 'advisory' | 'restrictive';

export interface Rating {
  rating: string;
  order: number;
  minimumAge: number;
  kind: RatingKind;
  meaning: string;
}

interface RatingSystem {
  system: string;
  name: string;
  region: string;
  media: string[];
  ratings: Rating[];
}

type RatingRow = [rating: string, minimumAge: number, kind: RatingKind, meaning: string];

function system(system: string, name: string, region: string, media: string[], rows: RatingRow[]): RatingSystem {
  return {
    system,
    name,
    region,
    media,
    ratings: rows.map(([rating, minimumAge, kind, meaning], order) => ({ rating, order, minimumAge, kind, meaning })),
  };
}

export const RATING_SYSTEMS: readonly RatingSystem[] = [
  system('MPA', 'Motion Picture Association', 'US', ['movie'], [
    ['G', 2, 'advisory', 'General audiences: all ages admitted.'],
    ['PG', 8, 'advisory', 'Parental guidance suggested: some material may not suit young children.'],
    ['PG-13', 13, 'advisory', 'Parents strongly cautioned: some material may be inappropriate under 13.'],
    ['R', 17, 'restrictive', 'Restricted: under 17 requires an accompanying parent or adult guardian.'],
    ['NC-17', 18, 'restrictive', 'Adults only: no one 17 or under admitted.'],
  ]),
  system('US-TV', 'TV Parental Guidelines', 'US', ['tv', 'youtube'], [
    ['TV-Y', 2, 'advisory', 'Designed for all children, including the very young.'],
    ['TV-G', 2, 'advisory', 'General audience: most parents would find it suitable for all ages.'],
    ['TV-Y7', 7, 'advisory', 'Designed for children 7 and older.'],
    ['TV-PG', 10, 'advisory', 'Parental guidance suggested: may not suit younger children.'],
    ['TV-14', 14, 'advisory', 'Parents strongly cautioned: may be unsuitable under 14.'],
    ['TV-MA', 17, 'advisory', 'Mature audiences only: may be unsuitable under 17.'],
  ]),
  system('ESRB', 'Entertainment Software Rating Board', 'US and Canada', ['game', 'app'], [
    ['EC', 3, 'advisory', 'Early childhood: made for ages 3 and up (retired in 2018).'],
    ['E', 6, 'advisory', 'Everyone: generally suitable for all ages.'],
    ['E10+', 10, 'advisory', 'Everyone 10 and older.'],
    ['T', 13, 'advisory', 'Teen: generally suitable for ages 13 and up.'],
    ['M', 17, 'restrictive', 'Mature 17+: retailers ask for proof of age.'],
    ['AO', 18, 'restrictive', 'Adults only 18+.'],
  ]),
  system('PEGI', 'Pan European Game Information', 'Europe', ['game', 'app'], [
    ['3', 3, 'advisory', 'Suitable for all age groups.'],
    ['7', 7, 'advisory', 'Suitable from age 7.'],
    ['12', 12, 'restrictive', 'Suitable from age 12; legally enforced in some countries.'],
    ['16', 16, 'restrictive', 'Suitable from age 16; legally enforced in some countries.'],
    ['18', 18, 'restrictive', 'Adults only; legally enforced in some countries.'],
  ]),
  system('BBFC', 'British Board of Film Classification', 'UK', ['movie', 'tv'], [
    ['U', 4, 'advisory', 'Universal: suitable for all, aged 4 and over.'],
    ['PG', 8, 'advisory', 'Parental guidance: should not upset a child aged 8 or older.'],
    ['12A', 12, 'advisory', 'Cinema: under 12s admitted only with an adult.'],
    ['12', 12, 'restrictive', 'Video: no one under 12 may rent or buy it.'],
    ['15', 15, 'restrictive', 'No one under 15 may see it.'],
    ['18', 18, 'restrictive', 'Adults only.'],
    ['R18', 18, 'restrictive', 'Restricted 18: licensed venues only.'],
  ]),
];

export const SYSTEM_KEYS = RATING_SYSTEMS.map((s) => s.system);

const BY_SYSTEM = new Map(RATING_SYSTEMS.map((s) => [s.system, new Map(s.ratings.map((r) => [r.rating, r]))]));

export function findRating(system: string, rating: string): Rating | undefined {
  return BY_SYSTEM.get(system)?.get(rating);
}

export function ratingsOf(system: string): string[] {
  return [...(BY_SYSTEM.get(system)?.keys() ?? [])];
}

export interface Certification {
  system: string;
  rating: string;
  reason?: string | null;
}

/** The strictest certification by mapped age; null when there is none. */
export function strictestCertification<C extends Certification>(certs: readonly C[]): (C & { minimumAge: number }) | null {
  let best: (C & { minimumAge: number }) | null = null;
  for (const cert of certs) {
    const found = findRating(cert.system, cert.rating);
    if (found && (!best || found.minimumAge > best.minimumAge)) best = { ...cert, minimumAge: found.minimumAge };
  }
  return best;
}
