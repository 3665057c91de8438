/**
 * Official rating systems and the age each rating stands for. Ratings are listed from the
 * mildest to the strictest; `order` is the index in that list. `minimumAge` is the youngest
 * age (2–18) at which Guidepost treats the rating as passed: the stated age for restrictive
 * and age-labelled ratings, and a documented judgement for advisory ones without an age.
 * `accompaniedAge` is the youngest age the system itself admits with a parent or another adult
 * (MIN_AGE where it names no lower bound), null where it has no such rule. Each system's source
 * is in the comment above it; ratings from different systems are never compared as one scale
 * except through the ages written here.
 */
export const RATING_SYSTEMS_VERSION = '2026-12-07';

type RatingKind = 'advisory' | 'restrictive';

export interface Rating {
  rating: string;
  order: number;
  minimumAge: number;
  kind: RatingKind;
  accompaniedAge: number | null;
  meaning: string;
}

export interface Descriptor {
  /** Unique within its system; a limit names it as `SYSTEM:key`, e.g. `PEGI:gambling`. */
  key: string;
  label: string;
}

interface RatingSystem {
  system: string;
  name: string;
  region: string;
  /** ISO 3166-1 alpha-2 codes of the countries whose families it speaks to; empty for IARC's worldwide storefront ratings. */
  countries: string[];
  media: string[];
  ratings: Rating[];
  descriptors: Descriptor[];
}

type RatingRow = [rating: string, minimumAge: number, kind: RatingKind, meaning: string, accompaniedAge?: number];

function system(
  head: Omit<RatingSystem, 'ratings' | 'descriptors'>,
  rows: RatingRow[],
  descriptors: [key: string, label: string][] = [],
): RatingSystem {
  return {
    ...head,
    ratings: rows.map(([rating, minimumAge, kind, meaning, accompaniedAge], order) => ({
      rating,
      order,
      minimumAge,
      kind,
      accompaniedAge: accompaniedAge ?? null,
      meaning,
    })),
    descriptors: descriptors.map(([key, label]) => ({ key, label })),
  };
}

/** Any age, where a system admits the under-age with an adult and names no lower bound. */
const ANY = 2;

export const RATING_SYSTEMS: readonly RatingSystem[] = [
  // motionpictures.org/film-ratings: R, "under 17 requires accompanying parent or adult guardian".
  system({ system: 'MPA', name: 'Motion Picture Association', region: 'US', countries: ['US'], media: ['movie'] }, [
    ['G', 2, 'advisory', 'General audiences: all ages admitted.'],
    ['PG', 8, 'advisory', 'Parental guidance suggested: some material may not suit young children.'],
    ['PG-13', 13, 'advisory', 'Parents strongly cautioned: some material may be inappropriate under 13.'],
    ['R', 17, 'restrictive', 'Restricted: under 17 requires an accompanying parent or adult guardian.', ANY],
    ['NC-17', 18, 'restrictive', 'Adults only: no one 17 or under admitted.'],
  ]),
  // tvguidelines.org/resources/TheRatings.pdf
  system({ system: 'US-TV', name: 'TV Parental Guidelines', region: 'US', countries: ['US'], media: ['tv', 'youtube'] }, [
    ['TV-Y', 2, 'advisory', 'Designed for all children, including the very young.'],
    ['TV-G', 2, 'advisory', 'General audience: most parents would find it suitable for all ages.'],
    ['TV-Y7', 7, 'advisory', 'Designed for children 7 and older.'],
    ['TV-PG', 10, 'advisory', 'Parental guidance suggested: may not suit younger children.'],
    ['TV-14', 14, 'advisory', 'Parents strongly cautioned: may be unsuitable under 14.'],
    ['TV-MA', 17, 'advisory', 'Mature audiences only: may be unsuitable under 17.'],
  ]),
  // esrb.org/ratings-guide: the ratings, the content descriptors and the interactive elements.
  system(
    { system: 'ESRB', name: 'Entertainment Software Rating Board', region: 'US and Canada', countries: ['US', 'CA'], media: ['game', 'app'] },
    [
      ['EC', 3, 'advisory', 'Early childhood: made for ages 3 and up (retired in 2018).'],
      ['E', 6, 'advisory', 'Everyone: generally suitable for all ages.'],
      ['E10+', 10, 'advisory', 'Everyone 10 and older.'],
      ['T', 13, 'advisory', 'Teen: generally suitable for ages 13 and up.'],
      ['M', 17, 'restrictive', 'Mature 17+: retailers ask for proof of age.'],
      ['AO', 18, 'restrictive', 'Adults only 18+.'],
    ],
    [
      ['alcohol-reference', 'Alcohol Reference'],
      ['animated-blood', 'Animated Blood'],
      ['blood', 'Blood'],
      ['blood-and-gore', 'Blood and Gore'],
      ['cartoon-violence', 'Cartoon Violence'],
      ['comic-mischief', 'Comic Mischief'],
      ['crude-humor', 'Crude Humor'],
      ['drug-reference', 'Drug Reference'],
      ['fantasy-violence', 'Fantasy Violence'],
      ['intense-violence', 'Intense Violence'],
      ['language', 'Language'],
      ['lyrics', 'Lyrics'],
      ['mature-humor', 'Mature Humor'],
      ['nudity', 'Nudity'],
      ['partial-nudity', 'Partial Nudity'],
      ['real-gambling', 'Real Gambling'],
      ['sexual-content', 'Sexual Content'],
      ['sexual-themes', 'Sexual Themes'],
      ['sexual-violence', 'Sexual Violence'],
      ['simulated-gambling', 'Simulated Gambling'],
      ['strong-language', 'Strong Language'],
      ['strong-lyrics', 'Strong Lyrics'],
      ['strong-sexual-content', 'Strong Sexual Content'],
      ['suggestive-themes', 'Suggestive Themes'],
      ['tobacco-reference', 'Tobacco Reference'],
      ['use-of-alcohol', 'Use of Alcohol'],
      ['use-of-drugs', 'Use of Drugs'],
      ['use-of-tobacco', 'Use of Tobacco'],
      ['violence', 'Violence'],
      ['violent-references', 'Violent References'],
      ['in-game-purchases', 'In-Game Purchases'],
      ['in-game-purchases-random-items', 'In-Game Purchases (Includes Random Items)'],
      ['users-interact', 'Users Interact'],
      ['shares-location', 'Shares Location'],
      ['unrestricted-internet', 'Unrestricted Internet'],
    ],
  ),
  // pegi.info/what-do-the-labels-mean: 12, 16 and 18 are law for games in the UK (Video
  // Recordings Act 2010) and in some other member countries; the eight content descriptors.
  system(
    {
      system: 'PEGI',
      name: 'Pan European Game Information',
      region: 'Europe',
      countries: ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DK', 'EE', 'ES', 'FI', 'FR', 'GB', 'GR', 'HR', 'HU', 'IE', 'IL', 'IS', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'],
      media: ['game', 'app'],
    },
    [
      ['3', 3, 'advisory', 'Suitable for all age groups.'],
      ['7', 7, 'advisory', 'Suitable from age 7.'],
      ['12', 12, 'restrictive', 'Suitable from age 12; legally enforced in some countries.'],
      ['16', 16, 'restrictive', 'Suitable from age 16; legally enforced in some countries.'],
      ['18', 18, 'restrictive', 'Adults only; legally enforced in some countries.'],
    ],
    [
      ['violence', 'Violence'],
      ['bad-language', 'Bad Language'],
      ['fear', 'Fear'],
      ['gambling', 'Gambling'],
      ['sex', 'Sex'],
      ['drugs', 'Drugs'],
      ['discrimination', 'Discrimination'],
      ['in-game-purchases', 'In-Game Purchases'],
      ['in-game-purchases-random-items', 'In-Game Purchases (Includes Paid Random Items)'],
    ],
  ),
  // bbfc.co.uk/rating/12a: "no one younger than 12 may see a 12A film in a cinema unless accompanied by an adult".
  system({ system: 'BBFC', name: 'British Board of Film Classification', region: 'UK', countries: ['GB'], media: ['movie', 'tv'] }, [
    ['U', 4, 'advisory', 'Universal: suitable for all, aged 4 and over.'],
    ['PG', 8, 'advisory', 'Parental guidance: should not upset a child aged 8 or older.'],
    ['12A', 12, 'restrictive', 'Cinema: under 12s admitted only with an adult.', ANY],
    ['12', 12, 'restrictive', 'Video: no one under 12 may rent or buy it.'],
    ['15', 15, 'restrictive', 'No one under 15 may see it.'],
    ['18', 18, 'restrictive', 'Adults only.'],
    ['R18', 18, 'restrictive', 'Restricted 18: licensed venues only.'],
  ]),
  // Jugendschutzgesetz §14(2) (the five age marks) and §11(2): a film marked 12 may be shown in a
  // cinema to children from 6 when a parent is with them. spio-fsk.de/?seitid=2&tid=2
  system({ system: 'FSK', name: 'Freiwillige Selbstkontrolle der Filmwirtschaft', region: 'Germany', countries: ['DE'], media: ['movie', 'tv'] }, [
    ['0', 2, 'restrictive', 'Released without age restriction.'],
    ['6', 6, 'restrictive', 'Released from age 6.'],
    ['12', 12, 'restrictive', 'Released from age 12; in cinemas, children from 6 with a parent.', 6],
    ['16', 16, 'restrictive', 'Released from age 16.'],
    ['18', 18, 'restrictive', 'No release to young people: adults only.'],
  ]),
  // Jugendschutzgesetz §14(2), for games; usk.de/alle-lernangebote/usk-alterskennzeichen
  system({ system: 'USK', name: 'Unterhaltungssoftware Selbstkontrolle', region: 'Germany', countries: ['DE'], media: ['game', 'app'] }, [
    ['0', 2, 'restrictive', 'Released without age restriction.'],
    ['6', 6, 'restrictive', 'Released from age 6.'],
    ['12', 12, 'restrictive', 'Released from age 12.'],
    ['16', 16, 'restrictive', 'Released from age 16.'],
    ['18', 18, 'restrictive', 'No release to young people: adults only.'],
  ]),
  // classification.gov.au/classification-ratings/what-do-ratings-mean: G, PG and M are advice;
  // MA 15+ is legally restricted, under 15s only with a parent or adult guardian; R 18+ and X 18+ adults only.
  system({ system: 'ACB', name: 'Australian Classification Board', region: 'Australia', countries: ['AU'], media: ['movie', 'tv', 'game', 'app'] }, [
    ['G', 2, 'advisory', 'General: suitable for everyone.'],
    ['PG', 8, 'advisory', 'Parental guidance recommended for people under 15.'],
    ['M', 15, 'advisory', 'Mature: recommended for people 15 and over.'],
    ['MA15+', 15, 'restrictive', 'Mature accompanied: under 15s only with a parent or adult guardian.', ANY],
    ['R18+', 18, 'restrictive', 'Restricted to adults 18 and over.'],
    ['X18+', 18, 'restrictive', 'Restricted to adults 18 and over (films only).'],
  ]),
  // cero.gr.jp/en/publics/index/17/: A to D are guidance, Z is sold only to 18 and over; the nine content icons.
  system(
    { system: 'CERO', name: 'Computer Entertainment Rating Organization', region: 'Japan', countries: ['JP'], media: ['game'] },
    [
      ['A', 2, 'advisory', 'All ages.'],
      ['B', 12, 'advisory', 'Ages 12 and up.'],
      ['C', 15, 'advisory', 'Ages 15 and up.'],
      ['D', 17, 'advisory', 'Ages 17 and up.'],
      ['Z', 18, 'restrictive', 'Ages 18 and up only: not sold to younger people.'],
    ],
    [
      ['love', 'Love'],
      ['sexual-content', 'Sexual Content'],
      ['violence', 'Violence'],
      ['horror', 'Horror'],
      ['drinking-smoking', 'Drinking and Smoking'],
      ['gambling', 'Gambling'],
      ['crime', 'Crime'],
      ['drugs', 'Drugs'],
      ['language', 'Language and Other'],
    ],
  ),
  // kijkwijzer.nl/over-kijkwijzer: the seven ages and six pictograms; 16 and 18 are held in cinemas
  // and shops (Wetboek van Strafrecht art. 240a forbids showing harmful images to under-16s).
  system(
    { system: 'Kijkwijzer', name: 'Kijkwijzer (NICAM)', region: 'Netherlands', countries: ['NL'], media: ['movie', 'tv'] },
    [
      ['AL', 2, 'advisory', 'All ages.'],
      ['6', 6, 'advisory', 'Take care with children under 6.'],
      ['9', 9, 'advisory', 'Take care with children under 9.'],
      ['12', 12, 'advisory', 'Take care with children under 12.'],
      ['14', 14, 'advisory', 'Take care with children under 14.'],
      ['16', 16, 'restrictive', 'Not for children under 16.'],
      ['18', 18, 'restrictive', 'Not for children under 18.'],
    ],
    [
      ['violence', 'Violence'],
      ['fear', 'Fear'],
      ['sex', 'Sex'],
      ['discrimination', 'Discrimination'],
      ['drugs-alcohol', 'Drug and/or Alcohol Abuse'],
      ['coarse-language', 'Coarse Language'],
    ],
  ),
  // Code du cinéma et de l'image animée, art. R211-12: the visa for cinemas.
  system({ system: 'CNC', name: 'Centre national du cinéma et de l’image animée', region: 'France', countries: ['FR'], media: ['movie'] }, [
    ['TP', 2, 'advisory', 'Tous publics: all audiences.'],
    ['12', 12, 'restrictive', 'Not admitted under 12.'],
    ['16', 16, 'restrictive', 'Not admitted under 16.'],
    ['18', 18, 'restrictive', 'Not admitted under 18.'],
  ]),
  // Portaria MJSP nº 502/2021 (Classificação Indicativa): indicative ages; in cinemas a parent or
  // guardian may bring a child of any age to 10 to 16, and 16- and 17-year-olds to 18.
  system({ system: 'ClassInd', name: 'Classificação Indicativa', region: 'Brazil', countries: ['BR'], media: ['movie', 'tv', 'game', 'app'] }, [
    ['L', 2, 'advisory', 'Livre: for all ages.'],
    ['10', 10, 'advisory', 'Not recommended under 10.', ANY],
    ['12', 12, 'advisory', 'Not recommended under 12.', ANY],
    ['14', 14, 'advisory', 'Not recommended under 14.', ANY],
    ['16', 16, 'advisory', 'Not recommended under 16.', ANY],
    ['18', 18, 'restrictive', 'Not recommended under 18; from 16 with a parent or guardian.', 16],
  ]),
  // globalratings.com/how-iarc-works.aspx: the generic ratings storefronts show where no national board rates.
  system({ system: 'IARC', name: 'International Age Rating Coalition', region: 'Worldwide (digital storefronts)', countries: [], media: ['game', 'app'] }, [
    ['3+', 3, 'advisory', 'Suitable for ages 3 and up.'],
    ['7+', 7, 'advisory', 'Suitable for ages 7 and up.'],
    ['12+', 12, 'advisory', 'Suitable for ages 12 and up.'],
    ['16+', 16, 'advisory', 'Suitable for ages 16 and up.'],
    ['18+', 18, 'advisory', 'Suitable for adults only.'],
  ]),
];

export const SYSTEM_KEYS = RATING_SYSTEMS.map((s) => s.system);

const BY_SYSTEM = new Map(RATING_SYSTEMS.map((s) => [s.system, new Map(s.ratings.map((r) => [r.rating, r]))]));

/** ISO 3166-1 alpha-2: the 249 officially assigned codes (none of the reserved ones such as UK or EU). */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
    'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
    'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
    'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
    'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

const SYSTEMS_BY_COUNTRY = new Map<string, Set<string>>();
for (const s of RATING_SYSTEMS) {
  for (const country of s.countries) SYSTEMS_BY_COUNTRY.set(country, (SYSTEMS_BY_COUNTRY.get(country) ?? new Set()).add(s.system));
}

/** The systems that rate for a country (US: MPA, US-TV, ESRB); empty for one no system names. */
export function systemsFor(country: string): ReadonlySet<string> {
  return SYSTEMS_BY_COUNTRY.get(country) ?? new Set();
}

/**
 * The youngest age Guidepost lets a rating's adult rule waive the age: the system's own
 * `accompaniedAge`, but never below the age of the nearest milder rating with a lower age (MPA
 * R: 13, as PG-13; BBFC 12A: 8, as PG; FSK 12: 6). "Any age with an adult" would otherwise
 * pass an R film for a toddler while a PG-13 one stayed blocked at 12. Null without an adult rule.
 */
export function adultFrom(system: string, rating: Rating): number | null {
  if (rating.accompaniedAge === null) return null;
  const milder = RATING_BY_ORDER.get(system)!.slice(0, rating.order).findLast((r) => r.minimumAge < rating.minimumAge);
  return Math.max(rating.accompaniedAge, milder?.minimumAge ?? rating.accompaniedAge);
}

/** Each system's ratings, indexed by their order. */
export const RATING_BY_ORDER: ReadonlyMap<string, readonly Rating[]> = new Map(RATING_SYSTEMS.map((s) => [s.system, s.ratings]));

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
  /** The keys of the system's content descriptors the board gave it (PEGI "gambling", ESRB "blood-and-gore"). */
  descriptors?: readonly string[];
}

/** Every content descriptor as a limit names it, `SYSTEM:key`, in a fixed order (the catalogue's scan gives each a bit). */
export const DESCRIPTOR_KEYS: readonly string[] = RATING_SYSTEMS.flatMap((s) => s.descriptors.map((d) => `${s.system}:${d.key}`));

const DESCRIPTORS = new Map(RATING_SYSTEMS.flatMap((s) => s.descriptors.map((d) => [`${s.system}:${d.key}`, d] as const)));

/** A system's descriptor by its key. */
export function findDescriptor(system: string, key: string): Descriptor | undefined {
  return DESCRIPTORS.get(`${system}:${key}`);
}

/** The keys of a system's descriptors; empty for a system that has none. */
export function descriptorsOf(system: string): string[] {
  return RATING_SYSTEMS.find((s) => s.system === system)?.descriptors.map((d) => d.key) ?? [];
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
