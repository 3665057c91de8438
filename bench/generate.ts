/**
 * A synthetic catalogue, deterministic from a seed: JSON Lines that `guidepost import` reads.
 *
 *   tsx bench/generate.ts --titles 100000 --seed 1 > catalogue.jsonl
 *
 * The spread follows what a real catalogue looks like: mostly films, TV and books; ages
 * clustered around 7–13 with a tail either side; category levels that rise with the age;
 * certifications per kind, the first system always and each other one time in two (MPA, BBFC,
 * FSK and ACB for films; US-TV, FSK and Kijkwijzer for TV; ESRB, PEGI, USK and CERO for games;
 * ESRB and IARC for apps), ESRB's, PEGI's, Kijkwijzer's and CERO's with a few of their content
 * descriptors; about one title in eight without an advisory and one in forty rated by nothing.
 * Three TV titles in four are episodes of the nearest TV series before them (every fourth
 * title may be a series): one episode in four rated on its own, the rest judged by their series.
 * Community reviews are not part of an import: bench/seed.ts adds them through the store.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** mulberry32: small, fast and good enough to spread a catalogue. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES = ['Silver', 'Hidden', 'Last', 'Brave', 'Quiet', 'Crimson', 'Little', 'Wild', 'Lost', 'Golden', 'Secret', 'Electric', 'Frozen', 'Midnight', 'Paper', 'Iron', 'Velvet', 'Restless', 'Distant', 'Hollow'];
const NOUNS = ['Fox', 'Harbor', 'Kingdom', 'Garden', 'Signal', 'River', 'Lantern', 'Orchard', 'Comet', 'Island', 'Clockwork', 'Mountain', 'Letter', 'Summer', 'Engine', 'Library', 'Meadow', 'Storm', 'Bridge', 'Circus'];
const GENRES = ['Drama', 'Comedy', 'Adventure', 'Animation', 'Fantasy', 'Science Fiction', 'Mystery', 'Romance', 'Documentary', 'Horror', 'Family', 'Musical', 'Sports', 'Thriller', 'History', 'Puzzle', 'Strategy', 'Education'];
const TOPICS = ['Friendship', 'Family', 'Courage', 'Animals', 'Space', 'School', 'Music', 'Identity', 'Grief', 'Teamwork'];
const PEOPLE = ['Alex Moreno', 'Priya Shah', 'Tom Becker', 'Lena Novak', 'Sam Okafor', 'Mei Chen', 'Jonas Berg', 'Ana Costa', 'Ravi Patel', 'Ella Brooks', 'Omar Haddad', 'Zoe Martin'];
const NOTES: Record<string, string[]> = {
  language: ['No swearing.', 'Mild insults such as "stupid".', 'Some cursing, including "hell" and "damn".', 'Frequent strong language.', 'Constant f-words.'],
  sex: ['Nothing of note.', 'A hug and a kiss.', 'Kissing and flirting.', 'Implied sex, no nudity.', 'Sex scenes with some nudity.'],
  drinking: ['None.', 'Adults drink wine at dinner.', 'Social drinking at parties.', 'Teens drink and smoke.', 'Drug use shown in detail.'],
  violence: ['Slapstick only.', 'Cartoon peril.', 'Fights with some injuries.', 'Guns and bloody fights.', 'Graphic, lingering violence.'],
  messages: ['Little to take away.', 'Kindness wins in the end.', 'Shows courage and teamwork.', 'Strong messages about honesty.', 'Thoughtful about grief and growing up.'],
  roleModels: ['Characters behave badly.', 'Mixed role models.', 'The hero tries to do right.', 'Caring, brave adults.', 'Admirable characters throughout.'],
};
const KINDS: [kind: string, weight: number][] = [['movie', 40], ['tv', 20], ['book', 20], ['game', 10], ['app', 5], ['podcast', 3], ['youtube', 2]];
const FSK: [string, number][] = [['0', 2], ['6', 6], ['12', 12], ['16', 16], ['18', 18]];
const CERTS: Record<string, [system: string, ratings: [rating: string, age: number][]][]> = {
  movie: [
    ['MPA', [['G', 2], ['PG', 8], ['PG-13', 13], ['R', 17], ['NC-17', 18]]],
    ['BBFC', [['U', 4], ['PG', 8], ['12A', 12], ['15', 15], ['18', 18]]],
    ['FSK', FSK],
    ['ACB', [['G', 2], ['PG', 8], ['M', 15], ['MA15+', 15], ['R18+', 18]]],
  ],
  tv: [['US-TV', [['TV-Y', 2], ['TV-Y7', 7], ['TV-PG', 10], ['TV-14', 14], ['TV-MA', 17]]], ['FSK', FSK], ['Kijkwijzer', [['AL', 2], ['6', 6], ['9', 9], ['12', 12], ['14', 14], ['16', 16]]]],
  game: [
    ['ESRB', [['E', 6], ['E10+', 10], ['T', 13], ['M', 17]]],
    ['PEGI', [['3', 3], ['7', 7], ['12', 12], ['16', 16], ['18', 18]]],
    ['USK', FSK],
    ['CERO', [['A', 2], ['B', 12], ['C', 15], ['D', 17], ['Z', 18]]],
  ],
  app: [['ESRB', [['E', 6], ['E10+', 10], ['T', 13]]], ['IARC', [['3+', 3], ['7+', 7], ['12+', 12], ['16+', 16]]]],
};
/** A few descriptors of the systems that have them, drawn as a board might give them. */
const DESCRIPTORS: Record<string, string[]> = {
  ESRB: ['fantasy-violence', 'blood', 'in-game-purchases', 'users-interact', 'comic-mischief'],
  PEGI: ['violence', 'bad-language', 'fear', 'gambling', 'in-game-purchases'],
  Kijkwijzer: ['violence', 'fear', 'coarse-language'],
  CERO: ['violence', 'love', 'horror'],
};

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

function weighted(rnd: () => number, items: [string, number][]): string {
  let r = rnd() * items.reduce((sum, [, w]) => sum + w, 0);
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[0]![0];
}

/** Ages cluster around 7–13: the mean of three uniform draws over 2–18. */
function age(rnd: () => number): number {
  return Math.round(2 + ((rnd() + rnd() + rnd()) / 3) * 16);
}

function isbn13(n: number): string {
  const body = `978${String(n % 1e9).padStart(9, '0')}`;
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** The kind of the n-th title: its first draw. */
const kindOf = (seed: number, n: number) => weighted(random(seed * 1_000_003 + n), KINDS);

/** A series' id, made from its place in the catalogue. */
const seriesId = (n: number) => `tl_bs${n.toString(36).padStart(18, '0')}`;

/** For a TV title that is an episode, the series it belongs to: the nearest TV title before it at a multiple of four. */
function seriesOf(seed: number, n: number): number | null {
  if (n % 4 === 0) return null;
  for (let m = n - (n % 4); m >= 0; m -= 4) if (kindOf(seed, m) === 'tv') return m;
  return null;
}

/** The n-th title of the catalogue seeded with `seed`: the same inputs, the same line. */
export function syntheticTitle(seed: number, n: number): Record<string, unknown> {
  const rnd = random(seed * 1_000_003 + n);
  const kind = weighted(rnd, KINDS);
  const series = kind === 'tv' ? seriesOf(seed, n) : null;
  const place =
    series === null
      ? kind === 'tv'
        ? { id: seriesId(n) }
        : {}
      : { parentId: seriesId(series), seasonNumber: 1 + (Math.floor(n / 4) % 5), episodeNumber: n };
  const titleAge = age(rnd);
  const year = 1950 + Math.floor(rnd() * 76);
  const name = `${pick(rnd, ADJECTIVES)} ${pick(rnd, NOUNS)}${rnd() < 0.3 ? ` ${Math.floor(rnd() * 9) + 2}` : ''} ${n.toString(36)}`;
  const rating = (spread: number) => Math.max(0, Math.min(5, Math.round(((titleAge - 2) / 16) * 5 + (rnd() - 0.5) * spread)));
  // An episode is rated on its own one time in four; otherwise its series' rating judges it.
  const rated = series !== null && rnd() < 0.75 ? 1 : rnd();
  const advisory =
    rated < 0.875
      ? {
          ageRecommendation: titleAge,
          stars: 1 + Math.floor(rnd() * 5),
          oneLiner: `A ${titleAge < 8 ? 'gentle' : titleAge < 13 ? 'lively' : 'grown-up'} ${kind} about ${pick(rnd, TOPICS).toLowerCase()}.`,
          parentsNeedToKnow: `Parents need to know that this ${kind} suits most viewers from ${titleAge}. ${pick(rnd, NOTES.violence!)} ${pick(rnd, NOTES.language!)}`,
          talkAbout: [`What would you have done in the hero's place?`],
          ratings: Object.fromEntries(
            Object.entries(NOTES).map(([category, notes]) => {
              const level = category === 'messages' || category === 'roleModels' ? Math.floor(rnd() * 6) : rating(2.5);
              return [category, { level, note: notes[Math.min(level, notes.length - 1)]! }];
            }),
          ),
        }
      : null;
  const certifications =
    rated < 0.975
      ? (CERTS[kind] ?? []).flatMap(([system, ratings], i) => {
          if (i > 0 && rnd() < 0.5) return [];
          const closest = ratings.reduce((best, r) => (Math.abs(r[1] - titleAge) < Math.abs(best[1] - titleAge) ? r : best));
          const descriptors = (DESCRIPTORS[system] ?? []).filter(() => rnd() < 0.3);
          return [{ system, rating: closest[0], ...(descriptors.length && { descriptors }) }];
        })
      : [];
  const externalIds: Record<string, string> = {};
  if (kind === 'movie' || kind === 'tv') {
    externalIds.imdb = `tt${String(1_000_000 + n).padStart(8, '0')}`;
    // An episode is found on TMDB by its series' id and its numbers.
    if (series === null) externalIds.tmdb = `${kind}:${n + 1}`;
  }
  if (kind === 'book') externalIds.isbn = isbn13(n);
  return {
    ...place,
    name,
    kind,
    year,
    releaseDates: { theaters: `${year}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}` },
    runtimeMinutes: kind === 'movie' ? 80 + Math.floor(rnd() * 80) : null,
    genres: [...new Set([pick(rnd, GENRES), pick(rnd, GENRES)])],
    topics: [pick(rnd, TOPICS)],
    cast: [pick(rnd, PEOPLE), pick(rnd, PEOPLE)],
    directors: [pick(rnd, PEOPLE)],
    synopsis: `A story of ${pick(rnd, TOPICS).toLowerCase()} and ${pick(rnd, TOPICS).toLowerCase()}.`,
    certifications,
    externalIds,
    advisory,
  };
}

export function* syntheticLines(seed: number, titles: number): Generator<string> {
  for (let n = 0; n < titles; n++) yield JSON.stringify(syntheticTitle(seed, n));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { titles: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' } } });
  const [titles, seed] = [Number(values.titles), Number(values.seed)];
  if (!Number.isInteger(titles) || titles < 1 || !Number.isInteger(seed)) {
    process.stderr.write('usage: tsx bench/generate.ts --titles N --seed S > catalogue.jsonl\n');
    process.exit(2);
  }
  let chunk: string[] = [];
  for (const line of syntheticLines(seed, titles)) {
    chunk.push(line);
    if (chunk.length === 1000) {
      if (!process.stdout.write(`${chunk.join('\n')}\n`)) await new Promise((r) => process.stdout.once('drain', r));
      chunk = [];
    }
  }
  if (chunk.length) process.stdout.write(`${chunk.join('\n')}\n`);
}
