/**
 * The title index's ids: each slot's id as 20 bytes (every title id is `tl_` and 20 letters or
 * digits) and a hash table from id to slot in a typed array. A million ids take 28 MB here,
 * where strings in a Map took some 80 MB.
 */
const PREFIX = 'tl_';
const CHARS = 20;
const EMPTY = 0;
const DELETED = -1;

/** FNV-1a over the 20 characters after the prefix. */
function hash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = PREFIX.length; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The same hash of a slot's stored bytes. */
function hashBytes(chars: Uint8Array, slot: number): number {
  let h = 0x811c9dc5;
  for (let i = slot * CHARS; i < slot * CHARS + CHARS; i++) h = Math.imul(h ^ chars[i]!, 0x01000193);
  return h >>> 0;
}

/** What a snapshot keeps of TitleIds (see TitleIndex.image). */
export interface TitleIdsImage {
  meta: { used: number; deleted: number; end: number; free: number[] };
  chars: Uint8Array;
  alive: Uint8Array;
  table: Int32Array;
}

export class TitleIds {
  private chars = new Uint8Array(0);
  private alive = new Uint8Array(0);
  /** Open addressing, linear probing: slot + 1, EMPTY or DELETED. */
  private table = new Int32Array(1024);
  private used = 0;
  private deleted = 0;
  private readonly free: number[] = [];
  /** One past the highest slot ever used. */
  end = 0;

  get size(): number {
    return this.used;
  }

  /** The slots in use as they are, without copying (the arrays are this object's: save them before it changes). */
  image(): TitleIdsImage {
    return {
      meta: { used: this.used, deleted: this.deleted, end: this.end, free: [...this.free] },
      chars: this.chars.subarray(0, this.end * CHARS),
      alive: this.alive.subarray(0, this.end),
      table: this.table,
    };
  }

  /** TitleIds as `image` saw them, with room for exactly `end` slots (the next new one grows them). */
  static fromImage({ meta, chars, alive, table }: TitleIdsImage): TitleIds {
    const ids = new TitleIds();
    Object.assign(ids, { chars, alive, table, used: meta.used, deleted: meta.deleted, end: meta.end });
    ids.free.push(...meta.free);
    return ids;
  }

  /** Whether a title lives in this slot. */
  has(slot: number): boolean {
    return this.alive[slot] === 1;
  }

  slotOf(id: string): number {
    if (id.length !== PREFIX.length + CHARS) return -1;
    const mask = this.table.length - 1;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const entry = this.table[i]!;
      if (entry === EMPTY) return -1;
      if (entry !== DELETED && this.matches(entry - 1, id)) return entry - 1;
    }
  }

  idOf(slot: number): string {
    return PREFIX + Buffer.from(this.chars.buffer, this.chars.byteOffset + slot * CHARS, CHARS).toString('latin1');
  }

  /** Orders two slots by id, as SQLite orders the strings (ids are ASCII: byte order). */
  compare(a: number, b: number): number {
    const { chars } = this;
    for (let i = 0; i < CHARS; i++) {
      const d = chars[a * CHARS + i]! - chars[b * CHARS + i]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  /** Room for this many slots without growing (a whole catalogue loaded at once knows its size). */
  reserve(capacity: number, grow: (slots: number) => void): void {
    if (capacity * CHARS <= this.chars.length) return;
    const chars = new Uint8Array(capacity * CHARS);
    chars.set(this.chars);
    const alive = new Uint8Array(capacity);
    alive.set(this.alive);
    [this.chars, this.alive] = [chars, alive];
    grow(capacity);
  }

  /** Gives a new id a slot (a freed one first); `grow` is told the slots needed. */
  add(id: string, grow: (slots: number) => void): number {
    if (!/^tl_[0-9a-z]{20}$/.test(id)) throw new Error(`not a title id: ${id}`);
    const slot = this.free.pop() ?? this.end++;
    if (slot * CHARS >= this.chars.length) this.reserve(Math.max(slot + 1, Math.ceil((this.chars.length / CHARS) * 1.5), 1024), grow);
    for (let i = 0; i < CHARS; i++) this.chars[slot * CHARS + i] = id.charCodeAt(PREFIX.length + i);
    this.alive[slot] = 1;
    if ((this.used + this.deleted + 1) * 2 > this.table.length) this.rehash();
    this.place(hash(id), slot);
    this.used += 1;
    return slot;
  }

  remove(id: string): number {
    const mask = this.table.length - 1;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const entry = this.table[i]!;
      if (entry === EMPTY) return -1;
      if (entry !== DELETED && this.matches(entry - 1, id)) {
        this.table[i] = DELETED;
        this.alive[entry - 1] = 0;
        this.free.push(entry - 1);
        this.used -= 1;
        this.deleted += 1;
        return entry - 1;
      }
    }
  }

  private matches(slot: number, id: string): boolean {
    for (let i = 0; i < CHARS; i++) if (this.chars[slot * CHARS + i] !== id.charCodeAt(PREFIX.length + i)) return false;
    return true;
  }

  private place(hashed: number, slot: number): void {
    const mask = this.table.length - 1;
    let i = hashed & mask;
    while (this.table[i] !== EMPTY && this.table[i] !== DELETED) i = (i + 1) & mask;
    if (this.table[i] === DELETED) this.deleted -= 1;
    this.table[i] = slot + 1;
  }

  private rehash(): void {
    // At most half full after a rehash, and rehashed again before it is more than half full.
    let size = 1024;
    while (size < (this.used + 1) * 2) size *= 2;
    this.table = new Int32Array(size);
    this.deleted = 0;
    for (let slot = 0; slot < this.end; slot++) if (this.alive[slot] === 1) this.place(hashBytes(this.chars, slot), slot);
  }
}
