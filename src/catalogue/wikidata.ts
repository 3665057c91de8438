/**
 * `guidepost import --format wikidata`: what Wikidata's SPARQL endpoint answers
 * (application/sparql-results+json) to the query in the README, read into titles whose facts
 * (year, external ids, certifications) are merged into the catalogue (mergeFacts). A title
 * comes in as many rows as its values multiply to; rows are grouped by item. Every value that
 * cannot be read is reported by row and left out: a rating is mapped by its item id, or by its
 * label, never guessed.
 */
import { findRating, RATING_BY_ORDER, type Rating } from '../domain/rating-systems.js';
import { IMDB_ID } from '../domain/references.js';
import { searchTokens } from '../domain/text.js';
import type { TitleKind } from '../domain/titles.js';
import { ImportLine } from '../schemas/titles.js';
import { factsItem, type ImportItem } from '../store/title-mapping.js';
import { nameMatch } from '../store/title-records.js';
import type { Store } from '../store/types.js';
import { describeIssues, writeItems, type ImportReport } from './import.js';

/**
 * The classes a query asks for, and the kind each becomes; an item of several takes the first.
 * Beside film, television series and video game, the subclasses a children's catalogue is full
 * of, which Wikidata gives as an item's class (P31) instead of film or series.
 */
export const WIKIDATA_CLASSES: readonly [item: string, kind: TitleKind, label: string][] = [
  ['Q11424', 'movie', 'film'],
  ['Q29168811', 'movie', 'animated feature film'],
  ['Q506240', 'movie', 'television film'],
  ['Q24862', 'movie', 'short film'],
  ['Q5398426', 'tv', 'television series'],
  ['Q1259759', 'tv', 'miniseries'],
  ['Q581714', 'tv', 'animated series'],
  ['Q63952888', 'tv', 'anime television series'],
  ['Q7889', 'game', 'video game'],
];

/**
 * Each rating property Wikidata keeps, the system its values belong to, and the query variable
 * that carries it (its label comes in `<variable>Label`), with the rating items by id.
 *
 * The item ids are those public projects that read these properties use (the MPA's five agree
 * in several); they could not be checked against Wikidata from here. So each is held to its
 * label: where the label names another rating of the system, the value is reported and left out.
 */
export const WIKIDATA_RATINGS: readonly { property: string; system: string; variable: string; items: Record<string, string> }[] = [
  { property: 'P1657', system: 'MPA', variable: 'mpa', items: { Q18665330: 'G', Q18665334: 'PG', Q18665339: 'PG-13', Q18665344: 'R', Q18665349: 'NC-17' } },
  { property: 'P852', system: 'ESRB', variable: 'esrb', items: { Q14864327: 'EC', Q14864328: 'E', Q14864329: 'E10+', Q14864330: 'T', Q14864331: 'M', Q14864332: 'AO' } },
  { property: 'P908', system: 'PEGI', variable: 'pegi', items: { Q14915512: '3', Q14915514: '7', Q14915515: '12', Q14915516: '16', Q14915517: '18' } },
  { property: 'P914', system: 'USK', variable: 'usk', items: { Q14920387: '0', Q14920391: '6', Q14920392: '12', Q14920393: '16', Q14920394: '18' } },
  { property: 'P1981', system: 'FSK', variable: 'fsk', items: { Q20644794: '0', Q20644795: '6', Q20644796: '12', Q20644797: '16', Q20644798: '18' } },
  { property: 'P2629', system: 'BBFC', variable: 'bbfc', items: { Q23301853: 'U', Q23301854: 'PG', Q23301855: '12A', Q23301856: '12', Q4550895: '15', Q4557532: '18' } },
  { property: 'P3156', system: 'ACB', variable: 'acb', items: { Q26708075: 'G', Q26708076: 'PG', Q26708077: 'M', Q26708078: 'MA15+' } },
  { property: 'P853', system: 'CERO', variable: 'cero', items: { Q11389850: 'A', Q14870286: 'B', Q14870289: 'C', Q14870298: 'D', Q14870299: 'Z' } },
  { property: 'P3216', system: 'ClassInd', variable: 'classind', items: { Q26678731: 'L', Q26678732: '10', Q26678733: '12', Q26678734: '14', Q26678735: '16', Q26678736: '18' } },
  { property: 'P2684', system: 'Kijkwijzer', variable: 'kijkwijzer', items: { Q23649980: 'AL', Q23649981: '6', Q23649982: '9', Q23649983: '12', Q23649984: '16' } },
  { property: 'P2758', system: 'CNC', variable: 'cnc', items: { Q23817729: 'TP', Q23817740: '12', Q23817741: '16' } },
];

/** Words a rating's label may use for it instead of its mark, per system. */
const LABEL_WORDS: Record<string, Record<string, string>> = {
  ESRB: { 'early childhood': 'EC', everyone: 'E', 'everyone 10': 'E10+', teen: 'T', mature: 'M', 'mature 17': 'M', 'adults only': 'AO', 'adults only 18': 'AO' },
  ACB: { general: 'G', 'parental guidance': 'PG', mature: 'M', 'mature accompanied': 'MA15+', restricted: 'R18+' },
  BBFC: { universal: 'U', 'parental guidance': 'PG' },
  MPA: { 'general audiences': 'G', 'parental guidance suggested': 'PG', 'parents strongly cautioned': 'PG-13', restricted: 'R', 'adults only': 'NC-17' },
  CNC: { 'tous publics': 'TP', 'all audiences': 'TP' },
  ClassInd: { livre: 'L' },
  Kijkwijzer: { 'alle leeftijden': 'AL', 'all ages': 'AL' },
};

/** Words a label wraps a mark in: "FSK 12", "Rated PG-13", "USK ab 12", "PEGI 16+". */
const LABEL_NOISE = new Set(['rated', 'rating', 'ab', 'from', 'age', 'ages', 'jahren', 'freigegeben', 'ohne', 'altersbeschrankung', 'classification', 'certificate', 'film', 'mpaa']);

/** A label's words, lower case and unaccented, without the system's name and the noise around a mark. */
const labelWords = (system: string, label: string) => searchTokens(label).filter((w) => w !== system.toLowerCase() && !LABEL_NOISE.has(w));

const MARK_WORDS = new Map<string, Map<string, string>>();

/** The rating a label names in a system (its mark, "12A", or its name, "Teen"), if exactly one. */
export function ratingByLabel(system: string, label: string): string | undefined {
  let marks = MARK_WORDS.get(system);
  if (!marks) {
    marks = new Map(Object.entries(LABEL_WORDS[system] ?? {}));
    for (const rating of RATING_BY_ORDER.get(system) ?? []) marks.set(searchTokens(rating.rating).join(' '), rating.rating);
    MARK_WORDS.set(system, marks);
  }
  const words = labelWords(system, label).join(' ');
  return words === '' ? undefined : marks.get(words);
}

interface Value {
  type: string;
  value: string;
}

/** A title's values from all its rows, each with the row it came in (the first, where several repeat it). */
interface Gathered {
  item: string;
  row: number;
  labels: Map<string, number>;
  classes: Map<string, number>;
  imdb: Map<string, number>;
  tmdbMovie: Map<string, number>;
  tmdbTv: Map<string, number>;
  dates: Map<string, number>;
  /** Per system, each rating value (an item id, or a label alone) with its label and row. */
  ratings: Map<string, Map<string, { id: string | null; label: string | null; row: number }>>;
}

export interface WikidataRead {
  rows: number;
  /** One per item, with its id and the row it first came in. */
  titles: { line: number; item: ImportItem; wikidata: string }[];
  /** Titles that cannot be read, and rows that are no title, by row. */
  errors: { line: number; reason: string }[];
  /** Items left out for want of a rating Guidepost knows: nothing to merge. */
  skipped: number;
  /** Values left out (of a title read all the same, or of one skipped), by row. */
  warnings: { line: number; reason: string }[];
}

const ENTITY = /^https?:\/\/www\.wikidata\.org\/entity\/(Q[1-9]\d*)$/;
const TMDB_NUMBER = /^[1-9]\d{0,9}$/;
const YEAR_OF = /^(\d{4})-\d\d-\d\d/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asValue = (v: unknown): Value | undefined => (isObject(v) && typeof v.value === 'string' && typeof v.type === 'string' ? { type: v.type, value: v.value } : undefined);

/** Adds a value with the row it came in, unless an earlier row brought it. */
const note = (map: Map<string, number>, value: string, row: number) => {
  if (!map.has(value)) map.set(value, row);
};

/** The one value of several rows, or a warning that they disagree (none kept). */
function single(values: Map<string, number>, what: string, warn: (row: number, reason: string) => void): string | null {
  if (values.size === 0) return null;
  if (values.size === 1) return [...values.keys()][0]!;
  warn(Math.min(...values.values()), `several ${what} (${[...values.keys()].join(', ')}); none kept`);
  return null;
}

/** Refuses what is not a SPARQL JSON result at all: the file, not a row, is wrong. */
function bindingsOf(json: unknown): unknown[] {
  const what = 'not a SPARQL JSON result (application/sparql-results+json)';
  if (!isObject(json) || !isObject(json.head) || !Array.isArray(json.head.vars)) throw new Error(`${what}: head.vars is missing`);
  if (!isObject(json.results) || !Array.isArray(json.results.bindings)) throw new Error(`${what}: results.bindings is missing`);
  const vars = json.head.vars as unknown[];
  for (const needed of ['item', 'itemLabel']) if (!vars.includes(needed)) throw new Error(`the query must select ?${needed} (see the README's query); it selects ${vars.map((v) => `?${String(v)}`).join(' ') || 'nothing'}`);
  return json.results.bindings;
}

/** Reads a result into titles, one per item; pure, so tests and the command read alike. */
export function readWikidata(json: unknown): WikidataRead {
  const bindings = bindingsOf(json);
  const errors: WikidataRead['errors'] = [];
  const warnings: WikidataRead['warnings'] = [];
  const warn = (line: number, reason: string) => warnings.push({ line, reason });
  const items = new Map<string, Gathered>();

  bindings.forEach((binding, i) => {
    const row = i + 1;
    if (!isObject(binding)) return errors.push({ line: row, reason: 'not an object of bound variables' });
    const item = ENTITY.exec(asValue(binding.item)?.value ?? '')?.[1];
    if (!item) return errors.push({ line: row, reason: 'item: not a Wikidata item (http://www.wikidata.org/entity/Q…)' });
    let g = items.get(item);
    if (!g) {
      g = { item, row, labels: new Map(), classes: new Map(), imdb: new Map(), tmdbMovie: new Map(), tmdbTv: new Map(), dates: new Map(), ratings: new Map() };
      items.set(item, g);
    }
    const text = (name: string) => asValue(binding[name])?.value;
    const label = text('itemLabel');
    if (label !== undefined) note(g.labels, label, row);
    const cls = ENTITY.exec(text('class') ?? '')?.[1];
    if (cls) note(g.classes, cls, row);
    const imdb = text('imdb');
    if (imdb !== undefined) {
      if (IMDB_ID.test(imdb)) note(g.imdb, imdb, row);
      else warn(row, `${item}: imdb "${imdb}" is not an IMDb title id; left out`);
    }
    for (const [name, map] of [['tmdbMovie', g.tmdbMovie], ['tmdbTv', g.tmdbTv]] as const) {
      const id = text(name);
      if (id === undefined) continue;
      if (TMDB_NUMBER.test(id)) note(map, id, row);
      else warn(row, `${item}: ${name} "${id}" is not a TMDB id; left out`);
    }
    const date = text('date');
    if (date !== undefined) {
      if (YEAR_OF.test(date)) note(g.dates, date, row);
      else warn(row, `${item}: date "${date}" is not a date; left out`);
    }
    for (const { system, variable } of WIKIDATA_RATINGS) {
      const value = asValue(binding[variable]);
      const ratingLabel = text(`${variable}Label`) ?? null;
      if (!value && ratingLabel === null) continue;
      const id = value ? (ENTITY.exec(value.value)?.[1] ?? null) : null;
      let bySystem = g.ratings.get(system);
      if (!bySystem) g.ratings.set(system, (bySystem = new Map()));
      const key = id ?? `label:${ratingLabel ?? value!.value}`;
      if (!bySystem.has(key)) bySystem.set(key, { id, label: ratingLabel ?? (id ? null : value!.value), row });
    }
  });

  const titles: WikidataRead['titles'] = [];
  let skipped = 0;
  for (const g of items.values()) {
    const title = toImportLine(g, warn);
    if ('error' in title) errors.push({ line: title.line, reason: `${g.item}: ${title.error}` });
    else if ('skip' in title) {
      skipped += 1;
      warn(g.row, `${g.item}: ${title.skip}`);
    } else titles.push({ line: g.row, item: title.item, wikidata: g.item });
  }
  const apart = tellApartByIds(titles, errors, warn);
  errors.sort((a, b) => a.line - b.line);
  warnings.sort((a, b) => a.line - b.line);
  return { rows: bindings.length, titles: titles.filter((t) => !apart.has(t)), errors, skipped, warnings };
}

/**
 * Items of the same kind, name and year (two films called "Alone" in 2020) cannot be told apart
 * by name: each is matched by its ids alone, and one without ids is left out, so that a title the
 * catalogue holds under that name never takes the wrong one's facts and a run again never makes
 * a second copy.
 */
function tellApartByIds(titles: WikidataRead['titles'], errors: WikidataRead['errors'], warn: (row: number, reason: string) => void): Set<WikidataRead['titles'][number]> {
  const leftOut = new Set<WikidataRead['titles'][number]>();
  const byName = new Map<string, WikidataRead['titles']>();
  for (const title of titles) {
    const key = nameMatch(title.item.rows.title);
    const same = byName.get(key);
    if (same) same.push(title);
    else byName.set(key, [title]);
  }
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    for (const title of same) {
      const others = same.filter((o) => o !== title).map((o) => o.wikidata).join(', ');
      const { imdb, tmdb } = title.item.rows.title;
      if (imdb || tmdb) {
        title.item.idsOnly = true;
        warn(title.line, `${title.wikidata}: ${others} has the same kind, name and year; matched by its ids alone`);
      } else {
        errors.push({ line: title.line, reason: `${title.wikidata}: cannot be told apart from ${others} (the same kind, name and year, and no IMDb or TMDB id); left out` });
        leftOut.add(title);
      }
    }
  }
  return leftOut;
}

/** The rating a value stands for: by its item id, held to its label; by its label alone where the id is not known. */
function ratingOf(system: string, value: { id: string | null; label: string | null }): { rating: string } | { unknown: string } {
  const items = WIKIDATA_RATINGS.find((r) => r.system === system)!.items;
  const byId = value.id ? items[value.id] : undefined;
  // The label service answers an item with no label in the language by its id: no label then.
  const label = value.label !== null && value.label !== value.id ? value.label : null;
  const byLabel = label === null ? undefined : ratingByLabel(system, label);
  const named = `${value.id ?? ''}${value.id && label ? ' ' : ''}${label ? `"${label}"` : ''}`;
  if (byId && byLabel && byId !== byLabel) return { unknown: `${system} ${named} is ${system} ${byId} by its id but ${system} ${byLabel} by its label` };
  const rating = byId ?? byLabel;
  return rating ? { rating } : { unknown: `${system} ${named} is not one of the ${system} ratings Guidepost knows` };
}

function toImportLine(g: Gathered, warn: (row: number, reason: string) => void): { item: ImportItem } | { error: string; line: number } | { skip: string } {
  const about = (row: number, reason: string) => warn(row, `${g.item}: ${reason}`);
  const name = single(g.labels, 'labels', about);
  if (name === null || name === g.item) return { line: g.row, error: 'no label in the query\'s language (bind ?itemLabel through the label service); left out' };
  const kinds = WIKIDATA_CLASSES.filter(([item]) => g.classes.has(item));
  if (kinds.length === 0) return { line: g.row, error: `"${name}" is none of ${WIKIDATA_CLASSES.map(([item, , label]) => `${label} (${item})`).join(', ')}: bind ?class to one; left out` };
  const kind = kinds[0]![1];

  const certifications: { system: string; rating: string }[] = [];
  for (const [system, values] of g.ratings) {
    let strictest: Rating | undefined;
    let unread = false;
    for (const value of values.values()) {
      const found = ratingOf(system, value);
      if ('unknown' in found) {
        about(value.row, `${found.unknown}; left out`);
        unread = true;
        continue;
      }
      const rating = findRating(system, found.rating)!;
      // Rated again, or rated per cut: the strictest stands, as a parent would want.
      if (!strictest || rating.order > strictest.order) strictest = rating;
    }
    // A value not read may be the stricter one (FSK 12 beside "Keine Jugendfreigabe"): none of the system's then.
    if (strictest && unread) about(g.row, `${system} ${strictest.rating} left out too: another ${system} value could not be read, and may be stricter`);
    else if (strictest) certifications.push({ system, rating: strictest.rating });
  }
  if (certifications.length === 0) return { skip: `"${name}": no rating Guidepost knows; skipped` };

  const earliest = [...g.dates.keys()].sort()[0];
  let year: number | null = earliest ? Number(YEAR_OF.exec(earliest)![1]) : null;
  if (year !== null && (year < 1800 || year > 2100)) {
    about(g.dates.get(earliest!)!, `year ${year} is outside 1800–2100; left out`);
    year = null;
  }
  const tmdbOf = kind === 'movie' ? g.tmdbMovie : kind === 'tv' ? g.tmdbTv : new Map<string, number>();
  const tmdb = single(tmdbOf, 'TMDB ids', about);
  const line = ImportLine.safeParse({
    name,
    kind,
    year,
    releaseDates: {},
    genres: [],
    topics: [],
    cast: [],
    directors: [],
    certifications,
    externalIds: { imdb: single(g.imdb, 'IMDb ids', about), tmdb: tmdb && `${kind}:${tmdb}` },
  });
  if (!line.success) return { line: g.row, error: describeIssues(line.error.issues as never) };
  return { item: factsItem(line.data) };
}

export interface WikidataReport extends ImportReport {
  /** Rows read; `lines` counts the titles they make (and rows that make none). */
  rows: number;
  skipped: number;
  warnings: { line: number; reason: string }[];
}

export const wikidataReport = (): WikidataReport => ({ rows: 0, lines: 0, created: 0, updated: 0, unchanged: 0, errors: [], skipped: 0, warnings: [] });

/**
 * Merges the titles of a result (readWikidata) into the catalogue, a transaction of `writeBatch`
 * titles at a time, counting into `report` (a new one, or the running one of several results).
 * `lines` counts what a result held: its titles, and rows that were none.
 */
export async function importWikidata(
  store: Store,
  read: WikidataRead,
  onProgress: (report: ImportReport) => void = () => {},
  writeBatch = 5000,
  report: WikidataReport = wikidataReport(),
): Promise<WikidataReport> {
  const errorsAt = report.errors.length;
  report.rows += read.rows;
  report.lines += read.errors.length + read.skipped;
  report.skipped += read.skipped;
  report.errors.push(...read.errors);
  report.warnings.push(...read.warnings);
  for (let i = 0; i < read.titles.length; i += writeBatch) {
    const batch = read.titles.slice(i, i + writeBatch);
    const before = report.errors.length;
    await writeItems(store, batch, report);
    // A write's error names the item it was about, as a read's does.
    const idAt = new Map(batch.map((t) => [t.line, t.wikidata]));
    for (const e of report.errors.slice(before)) e.reason = `${idAt.get(e.line)}: ${e.reason}`;
    report.lines += batch.length;
    onProgress(report);
  }
  // This result's errors in row order, the read's and the writes' together.
  report.errors.splice(errorsAt, Infinity, ...report.errors.slice(errorsAt).sort((a, b) => a.line - b.line));
  return report;
}
