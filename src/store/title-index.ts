/**
 * Every title's decision facts, filter values and sort positions, in columns of small numbers
 * kept in memory beside the database. Lists and the child's catalogue walk it in sort order; a
 * child's policy is tested once per title and kept as a bit: a page costs one pass over at
 * most the whole catalogue in memory, never a million rows read from disk. About 110 bytes a
 * title in all (ids in TitleIds, name keys in NameKeys, each sort kept 8 bytes a title).
 *
 * The backend loads it at start and tells it about every change (`put`, `remove`); it holds
 * no connection and does no I/O.
 */
import { CATEGORIES } from '../domain/categories.js';
import { factColumns, NO_LEVEL, packFacts, type FactColumns, type TitleFacts } from '../domain/verdict.js';
import { TITLE_KINDS, type TitleKind } from '../domain/titles.js';
import { TITLE_LEVELS, type TitleLevel } from '../domain/series.js';
import { NameKeys } from './name-keys.js';
import { TitleIds, type TitleIdsImage } from './title-ids.js';
import type { Accept, SortKey, TitleFilters, TitleSort } from './types.js';

/** One title as the index needs it. */
export interface IndexEntry {
  id: string;
  kind: TitleKind;
  level: TitleLevel;
  /** Its season or series: the store judges a title with no rating of its own by theirs. */
  parentId: string | null;
  /** What the title is judged by: its own facts, else its season's or series' (src/domain/series.ts). */
  facts: TitleFacts;
  nameKey: string;
  /** "|drama|comedy|", as stored. */
  genreKeys: string;
  sortAge: number;
  sortReleased: string;
  sortStars: number;
  updatedAt: string;
}

/** "2013-12-18", "2013" or "" as a number that sorts the same way. */
function releasedNumber(value: string): number {
  if (value === '') return 0;
  // "YYYY", "YYYY-MM" or "YYYY-MM-DD", as stored: read by position, not split (a million at start-up).
  const year = Number(value.slice(0, 4));
  const month = value.length >= 7 ? Number(value.slice(5, 7)) : 0;
  const day = value.length >= 10 ? Number(value.slice(8, 10)) : 0;
  return year * 10_000 + month * 100 + day;
}

/**
 * Strings in SQLite's BINARY order (code points, as UTF-8 bytes compare), which differs from
 * JavaScript's UTF-16 order only where astral characters meet U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

const DESCENDING: Record<TitleSort, boolean> = { name: false, newest: true, stars: true, age: false };
const SORTS = Object.keys(DESCENDING) as TitleSort[];

interface ScanQuery {
  filters: TitleFilters;
  sort: TitleSort;
  limit: number;
  after?: SortKey | undefined;
  /** Ids the caller already decided: true to include, false to leave out, whatever `accept` says. */
  decided: ReadonlyMap<string, boolean>;
  /** Which of the rest to take; none to take them all. */
  accept?: Accept | undefined;
  /** For filters the index does not hold (a search): the ids that match, or undefined for all. */
  matching?: ReadonlySet<string> | undefined;
}

/** A typed array a snapshot keeps as its bytes. */
export type ImageColumn = Uint8Array | Uint32Array | Int32Array | Float32Array | Float64Array;
const COLUMN_TYPES = { Uint8Array, Uint32Array, Int32Array, Float32Array, Float64Array };
export type ColumnType = keyof typeof COLUMN_TYPES;

/** A column of the given type and length (a snapshot's loader fills its bytes). */
export function imageColumn(type: ColumnType, length: number): ImageColumn {
  return new COLUMN_TYPES[type](length);
}

/**
 * The index as a snapshot keeps it (src/store/title-index-snapshot.ts): a few numbers and strings,
 * and its typed arrays by name, cut to the slots in use. The kept answers of policies are not in
 * it: each is worked out again on its first use.
 */
export interface TitleIndexImage {
  meta: { ids: TitleIdsImage['meta']; stale: number; genreSets: string[]; sorts: TitleSort[] };
  columns: Record<string, ImageColumn>;
}

/** How many tests' answers the index keeps: 1 bit a title each (125 kB at a million titles). */
const KEPT_ACCEPTS = 64;

export class TitleIndex {
  private capacity = 0;
  private ids = new TitleIds();
  private names = new NameKeys();
  /** Each slot's genres as a number: its place in `genreSets`, the distinct "|drama|comedy|" values. */
  private genres = new Uint32Array(0);
  private readonly genreSets: string[] = [];
  private readonly genreNumbers = new Map<string, number>();
  private kind = new Uint8Array(0);
  /** Each slot's place in TITLE_LEVELS: lists show titles on their own unless asked for seasons or episodes. */
  private level = new Uint8Array(0);
  private sortAge = new Uint8Array(0);
  private stars = new Uint8Array(0);
  private released = new Int32Array(0);
  private updated = new Float64Array(0);
  private columns: FactColumns = factColumns(0);
  /** Each sort's live slots in order, made on first use and then kept: see `order`. */
  private readonly orders = new Map<TitleSort, { slots: Int32Array; ranks: Int32Array; moved: Set<number> }>();
  /** Each kept test's answers, a bit per slot, most recently used last. */
  private readonly accepted = new Map<string, { test: Accept['test']; bits: Uint32Array }>();
  /** Scratch marks of the caller's decisions: 1 include, 2 leave out. */
  private marks = new Uint8Array(0);

  get size(): number {
    return this.ids.size;
  }

  /**
   * Everything the index holds but the kept policy answers, without copying: the columns are the
   * index's own arrays, to be written out before it changes again. Each kept sort order is
   * brought up to date first.
   */
  image(): TitleIndexImage {
    const sorts = [...this.orders.keys()];
    const end = this.ids.end;
    const ids = this.ids.image();
    const names = this.names.image(end);
    const columns: Record<string, ImageColumn> = {
      chars: ids.chars,
      alive: ids.alive,
      table: ids.table,
      nameBytes: names.bytes,
      nameStarts: names.starts,
      nameLengths: names.lengths,
      genres: this.genres.subarray(0, end),
      kind: this.kind.subarray(0, end),
      level: this.level.subarray(0, end),
      sortAge: this.sortAge.subarray(0, end),
      stars: this.stars.subarray(0, end),
      released: this.released.subarray(0, end),
      updated: this.updated.subarray(0, end),
    };
    for (const [key, column] of Object.entries(this.columns) as [keyof FactColumns, ImageColumn][]) {
      // Levels and rating orders hold several values a slot.
      const perSlot = this.capacity === 0 ? 0 : column.length / this.capacity;
      columns[`facts.${key}`] = column.subarray(0, end * perSlot);
    }
    for (const sort of sorts) columns[`order.${sort}`] = this.order(sort).slots;
    return { meta: { ids: ids.meta, stale: names.stale, genreSets: [...this.genreSets], sorts }, columns };
  }

  /** The index an image was taken of, its arrays taken as they are (exactly as many slots as it used). */
  static fromImage({ meta, columns }: TitleIndexImage): TitleIndex {
    const index = new TitleIndex();
    const column = <A extends ImageColumn>(name: string) => {
      if (!(name in columns)) throw new Error(`the title index snapshot has no ${name}`);
      return columns[name] as A;
    };
    index.ids = TitleIds.fromImage({ meta: meta.ids, chars: column('chars'), alive: column('alive'), table: column('table') });
    index.names = NameKeys.fromImage({ stale: meta.stale, bytes: column('nameBytes'), starts: column('nameStarts'), lengths: column('nameLengths') });
    const end = meta.ids.end;
    index.capacity = end;
    index.genres = column('genres');
    index.kind = column('kind');
    index.level = column('level');
    index.sortAge = column('sortAge');
    index.stars = column('stars');
    index.released = column('released');
    index.updated = column('updated');
    index.columns = Object.fromEntries(Object.keys(factColumns(0)).map((key) => [key, column(`facts.${key}`)])) as unknown as FactColumns;
    meta.genreSets.forEach((set) => index.genreNumber(set));
    index.marks = new Uint8Array(end);
    for (const sort of meta.sorts) {
      const slots = column<Int32Array>(`order.${sort}`);
      const ranks = new Int32Array(end);
      for (let i = 0; i < slots.length; i++) ranks[slots[i]!] = i;
      index.orders.set(sort, { slots, ranks, moved: new Set() });
    }
    return index;
  }

  private grow(capacity: number): void {
    const copy = <A extends Uint8Array | Uint32Array | Int32Array | Float64Array>(old: A, make: (n: number) => A): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.names.grow(capacity);
    this.genres = copy(this.genres, (n) => new Uint32Array(n));
    this.kind = copy(this.kind, (n) => new Uint8Array(n));
    this.level = copy(this.level, (n) => new Uint8Array(n));
    this.sortAge = copy(this.sortAge, (n) => new Uint8Array(n));
    this.stars = copy(this.stars, (n) => new Uint8Array(n));
    this.released = copy(this.released, (n) => new Int32Array(n));
    this.updated = copy(this.updated, (n) => new Float64Array(n));
    const columns = factColumns(capacity);
    for (const key of Object.keys(columns) as (keyof FactColumns)[]) columns[key].set(this.columns[key]);
    this.columns = columns;
    this.marks = new Uint8Array(capacity);
    for (const kept of this.accepted.values()) kept.bits = copy(kept.bits, () => new Uint32Array((capacity + 31) >>> 5));
    for (const kept of this.orders.values()) kept.ranks = copy(kept.ranks, (n) => new Int32Array(n));
    this.capacity = capacity;
  }

  /** Makes room for this many titles at once, where growing by half as they come would leave up to a third unused. */
  reserve(titles: number): void {
    this.ids.reserve(titles, (capacity) => this.grow(capacity));
  }

  /** Adds the title or replaces what the index knew of it. */
  put(entry: IndexEntry): void {
    let slot = this.ids.slotOf(entry.id);
    const known = slot !== -1;
    if (!known) slot = this.ids.add(entry.id, (capacity) => this.grow(capacity));
    const before = known ? SORTS.map((sort) => this.sortValue(sort, slot)) : [];
    this.names.set(slot, entry.nameKey);
    this.genres[slot] = this.genreNumber(entry.genreKeys);
    this.kind[slot] = TITLE_KINDS.indexOf(entry.kind);
    this.level[slot] = TITLE_LEVELS.indexOf(entry.level);
    this.sortAge[slot] = entry.sortAge;
    this.stars[slot] = entry.sortStars;
    this.released[slot] = releasedNumber(entry.sortReleased);
    this.updated[slot] = Date.parse(entry.updatedAt);
    packFacts(entry.facts, this.columns, slot);
    for (const [sort, kept] of this.orders) if (!known || before[SORTS.indexOf(sort)] !== this.sortValue(sort, slot)) kept.moved.add(slot);
    for (const { test, bits } of this.accepted.values()) {
      if (test(this.columns, slot)) bits[slot >>> 5]! |= 1 << (slot & 31);
      else bits[slot >>> 5]! &= ~(1 << (slot & 31));
    }
  }

  remove(id: string): void {
    const slot = this.ids.remove(id);
    if (slot === -1) return;
    this.names.clear(slot);
    for (const kept of this.orders.values()) kept.moved.add(slot);
  }

  private genreNumber(value: string): number {
    let n = this.genreNumbers.get(value);
    if (n === undefined) {
      n = this.genreSets.push(value) - 1;
      this.genreNumbers.set(value, n);
    }
    return n;
  }

  /** The sort value a cursor carries for this slot (a release date as a number, see releasedNumber). */
  private sortValue(sort: TitleSort, slot: number): string | number {
    switch (sort) {
      case 'name':
        return this.names.get(slot);
      case 'newest':
        return this.released[slot]!;
      case 'stars':
        return this.stars[slot]!;
      case 'age':
        return this.sortAge[slot]!;
    }
  }

  /** Compares a slot with a cursor's [value, id] in the sort's direction: negative when the slot comes first. */
  private compareToKey(sort: TitleSort, slot: number, key: SortKey): number {
    const value = this.sortValue(sort, slot);
    const wanted = sort === 'newest' && typeof key[0] === 'string' ? releasedNumber(key[0]) : key[0];
    const byValue = typeof value === 'string' ? compareCodePoints(value, String(wanted)) : value - Number(wanted);
    const order = byValue !== 0 ? byValue : compareCodePoints(this.ids.idOf(slot), key[1]);
    return DESCENDING[sort] ? -order : order;
  }

  /** Compares two slots in the sort's order, ties broken by id. */
  private comparator(sort: TitleSort): (a: number, b: number) => number {
    const direction = DESCENDING[sort] ? -1 : 1;
    const { ids } = this;
    const byId = (a: number, b: number) => ids.compare(a, b);
    if (sort === 'name') {
      const { names } = this;
      return (a, b) => direction * (names.compare(a, b) || byId(a, b));
    }
    const values = sort === 'newest' ? this.released : sort === 'stars' ? this.stars : this.sortAge;
    return (a, b) => direction * (values[a]! - values[b]! || byId(a, b));
  }

  /**
   * The live slots in the sort's order, and each slot's place in it. Sorted once; after that a
   * write only moves the titles whose sort value changed (or that came or went): they are taken
   * out, sorted among themselves and merged back, a pass over the order instead of a new sort.
   */
  private order(sort: TitleSort): { slots: Int32Array; ranks: Int32Array } {
    const compare = this.comparator(sort);
    let kept = this.orders.get(sort);
    if (!kept) {
      const slots = this.liveSlots().sort(compare);
      kept = { slots, ranks: new Int32Array(this.capacity), moved: new Set() };
      this.orders.set(sort, kept);
      slots.forEach((slot, i) => (kept!.ranks[slot] = i));
      return kept;
    }
    if (kept.moved.size === 0) return kept;
    const { moved, slots: old } = kept;
    const incoming = new Int32Array([...moved].filter((slot) => this.ids.has(slot))).sort(compare);
    const slots = new Int32Array(this.ids.size);
    let n = 0;
    let j = 0;
    for (let i = 0; i < old.length; i++) {
      const slot = old[i]!;
      if (moved.has(slot)) continue;
      while (j < incoming.length && compare(incoming[j]!, slot) < 0) slots[n++] = incoming[j++]!;
      slots[n++] = slot;
    }
    while (j < incoming.length) slots[n++] = incoming[j++]!;
    for (let i = 0; i < n; i++) kept.ranks[slots[i]!] = i;
    kept.slots = slots;
    moved.clear();
    return kept;
  }

  private liveSlots(): Int32Array {
    const slots = new Int32Array(this.ids.size);
    let n = 0;
    for (let slot = 0; slot < this.ids.end; slot++) if (this.ids.has(slot)) slots[n++] = slot;
    return slots;
  }

  /** The kept answers of this test, worked out for every title on first use. */
  private acceptedBits(accept: Accept): Uint32Array {
    let kept = this.accepted.get(accept.key);
    if (kept) {
      this.accepted.delete(accept.key);
    } else {
      const bits = new Uint32Array((this.capacity + 31) >>> 5);
      for (let slot = 0; slot < this.ids.end; slot++) {
        if (this.ids.has(slot) && accept.test(this.columns, slot)) bits[slot >>> 5]! |= 1 << (slot & 31);
      }
      kept = { test: accept.test, bits };
      if (this.accepted.size >= KEPT_ACCEPTS) this.accepted.delete(this.accepted.keys().next().value!);
    }
    this.accepted.set(accept.key, kept);
    return kept.bits;
  }

  /** The first position in the order after the cursor's title. */
  private start(sort: TitleSort, { slots: order, ranks }: { slots: Int32Array; ranks: Int32Array }, after: SortKey | undefined): number {
    if (!after) return 0;
    const slot = this.ids.slotOf(after[1]);
    if (slot !== -1 && this.compareToKey(sort, slot, after) === 0) return ranks[slot]! + 1;
    // The cursor's title changed or went: find where it would sit.
    let [lo, hi] = [0, order.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareToKey(sort, order[mid]!, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The filters as one test (the level's, at least). */
  private filter(filters: TitleFilters, matching: ReadonlySet<string> | undefined): (slot: number) => boolean {
    const level = TITLE_LEVELS.indexOf(filters.level ?? 'title');
    const tests: ((slot: number) => boolean)[] = [(slot) => this.level[slot] === level];
    if (filters.kinds?.length) {
      const kinds = new Set(filters.kinds.map((k) => TITLE_KINDS.indexOf(k)));
      tests.push((slot) => kinds.has(this.kind[slot]!));
    }
    if (filters.genre) {
      const needle = `|${filters.genre}|`;
      const wanted = new Uint8Array(this.genreSets.map((set) => (set.includes(needle) ? 1 : 0)));
      tests.push((slot) => wanted[this.genres[slot]!] === 1);
    }
    if (filters.forAge !== undefined) {
      const forAge = filters.forAge;
      tests.push((slot) => this.sortAge[slot]! <= forAge);
    }
    for (const f of filters.levels) {
      const i = CATEGORIES.findIndex((c) => c.key === f.category);
      const { levels } = this.columns;
      const n = CATEGORIES.length;
      // As in SQL: a title without that level matches neither a maximum nor a minimum.
      tests.push(f.op === 'max' ? (slot) => levels[slot * n + i]! <= f.value : (slot) => levels[slot * n + i]! !== NO_LEVEL && levels[slot * n + i]! >= f.value);
    }
    if (filters.updatedSince) {
      const since = Date.parse(filters.updatedSince);
      tests.push((slot) => this.updated[slot]! >= since);
    }
    if (matching) {
      const slots = new Set([...matching].map((id) => this.ids.slotOf(id)));
      tests.push((slot) => slots.has(slot));
    }
    if (tests.length === 1) return tests[0]!;
    return (slot) => {
      for (const test of tests) if (!test(slot)) return false;
      return true;
    };
  }

  /**
   * Titles in the sort's order after `after`, that pass the filters and that the caller
   * accepts, up to `limit`: their ids and cursor keys, and whether more follow.
   */
  scan(query: ScanQuery): { ids: string[]; keys: SortKey[]; more: boolean } {
    const order = this.order(query.sort);
    const matches = this.filter(query.filters, query.matching);
    const bits = query.accept ? this.acceptedBits(query.accept) : null;
    const { marks } = this;
    const marked: number[] = [];
    for (const [id, include] of query.decided) {
      const slot = this.ids.slotOf(id);
      if (slot === -1) continue;
      marks[slot] = include ? 1 : 2;
      marked.push(slot);
    }
    const ids: string[] = [];
    const keys: SortKey[] = [];
    const { slots } = order;
    try {
      // The hot loop of a strict child's page, which may pass most of a million titles: a bit
      // test for the policy, the filters only for the titles it takes.
      for (let i = this.start(query.sort, order, query.after); i < slots.length; i++) {
        const slot = slots[i]!;
        const mark = marks[slot];
        if (mark === 2) continue;
        if (mark !== 1 && bits !== null && (bits[slot >>> 5]! & (1 << (slot & 31))) === 0) continue;
        if (!matches(slot)) continue;
        if (ids.length === query.limit) return { ids, keys, more: true };
        const id = this.ids.idOf(slot);
        ids.push(id);
        keys.push([this.sortValue(query.sort, slot), id]);
      }
      return { ids, keys, more: false };
    } finally {
      for (const slot of marked) marks[slot] = 0;
    }
  }
}
