/**
 * The title index's name keys, as UTF-8 in one growing buffer with each slot's start and length:
 * a million keys take some 26 MB here, where strings took twice that. UTF-8 bytes compare in
 * code point order, which is SQLite's BINARY order, so names sort without being decoded.
 */
export class NameKeys {
  private bytes = Buffer.alloc(0);
  private starts = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  /** Bytes in use, and of those, bytes no slot points at any more (a changed or removed name). */
  private end = 0;
  private stale = 0;

  /** The bytes in use (stale ones too) and the first `slots` starts and lengths, without copying. */
  image(slots: number): { stale: number; bytes: Uint8Array; starts: Uint32Array; lengths: Uint32Array } {
    return { stale: this.stale, bytes: new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.end), starts: this.starts.subarray(0, slots), lengths: this.lengths.subarray(0, slots) };
  }

  static fromImage({ stale, bytes, starts, lengths }: { stale: number; bytes: Uint8Array; starts: Uint32Array; lengths: Uint32Array }): NameKeys {
    const keys = new NameKeys();
    Object.assign(keys, { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), starts, lengths, end: bytes.length, stale });
    return keys;
  }

  /** Room for this many slots. */
  grow(capacity: number): void {
    const starts = new Uint32Array(capacity);
    starts.set(this.starts);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths);
    [this.starts, this.lengths] = [starts, lengths];
  }

  set(slot: number, key: string): void {
    this.stale += this.lengths[slot]!;
    const length = Buffer.byteLength(key, 'utf8');
    if (this.end + length > this.bytes.length) this.makeRoom(length);
    this.bytes.write(key, this.end, 'utf8');
    this.starts[slot] = this.end;
    this.lengths[slot] = length;
    this.end += length;
  }

  clear(slot: number): void {
    this.stale += this.lengths[slot]!;
    this.lengths[slot] = 0;
  }

  get(slot: number): string {
    const start = this.starts[slot]!;
    return this.bytes.toString('utf8', start, start + this.lengths[slot]!);
  }

  /** Orders two slots' keys by their bytes. */
  compare(a: number, b: number): number {
    const { bytes } = this;
    const [startA, lengthA, startB, lengthB] = [this.starts[a]!, this.lengths[a]!, this.starts[b]!, this.lengths[b]!];
    const n = Math.min(lengthA, lengthB);
    for (let i = 0; i < n; i++) {
      const d = bytes[startA + i]! - bytes[startB + i]!;
      if (d !== 0) return d;
    }
    return lengthA - lengthB;
  }

  /** Drops the stale bytes when they are most of the buffer, else grows it by half. */
  private makeRoom(needed: number): void {
    const compact = this.stale * 2 > this.end;
    const kept = compact ? this.end - this.stale : this.end;
    const bytes = Buffer.alloc(Math.max(1024, Math.ceil((kept + needed) * 1.5)));
    if (compact) {
      let end = 0;
      for (let slot = 0; slot < this.lengths.length; slot++) {
        const length = this.lengths[slot]!;
        if (length === 0) continue;
        this.bytes.copy(bytes, end, this.starts[slot]!, this.starts[slot]! + length);
        this.starts[slot] = end;
        end += length;
      }
      [this.end, this.stale] = [end, 0];
    } else {
      this.bytes.copy(bytes, 0, 0, this.end);
    }
    this.bytes = bytes;
  }
}
