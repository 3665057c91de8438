/**
 * The title index saved in the database, so that a start-up reads some 120 MB of its arrays at a
 * million titles instead of every title, certification and review (seconds instead of tens of
 * seconds), and so that every instance on a shared database can use what one of them saved.
 *
 * A snapshot is the index as it stood when it had caught up with change `epoch` of the log
 * (src/store/title-changes.ts). It is used only:
 * - by the same code: `fingerprint` hashes the modules that decide what the index holds of a
 *   title (a new rating-system table changes what a certification means), the format, and the
 *   machine's byte order;
 * - while the log still holds every change after `epoch` (not yet forgotten): the loader applies
 *   them, exactly as a running index catches up;
 * - when, after that, it holds as many titles as the titles table (src/store/titles.ts checks).
 * A snapshot that fails any of these is left unused and the index is built from the tables.
 *
 * It is stored as a generation of parts of at most PART_BYTES, so no row or parameter is large:
 * part 0 is a JSON header (the index's few numbers and strings, and each array's type and
 * length), the rest the arrays' bytes one after another. A new generation is written in one
 * transaction that also deletes the others; a reader takes the newest complete one.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Dialect } from './dialect.js';
import { imageColumn, TitleIndex, type ColumnType, type ImageColumn, type TitleIndexImage } from './title-index.js';

/** Raised when the layout of the snapshot changes in a way the modules below do not show. */
const FORMAT = 1;
const PART_BYTES = 4 << 20;

/**
 * The modules whose code decides what the index holds of a title, relative to this one: the
 * index and its parts, the rows it is built from and how they become facts, and the domain
 * rules that pack them (ages, certifications and their order, categories, the parents' median).
 */
const SOURCES = [
  './title-index',
  './title-ids',
  './name-keys',
  './title-records',
  './title-mapping',
  './titles',
  '../domain/verdict',
  '../domain/rating-systems',
  '../domain/categories',
  '../domain/community',
  '../domain/titles',
  '../domain/series',
];

let fingerprintOnce: string | undefined;

/** What a snapshot must have been saved by to be used here: the format, the byte order and the modules' text. */
export function snapshotFingerprint(): string {
  if (fingerprintOnce) return fingerprintOnce;
  // Built (dist/…/*.js) or run from source (src/…/*.ts): the siblings share this module's extension.
  const extension = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
  const hash = createHash('sha256').update(`${FORMAT} ${endianness()}`);
  for (const source of SOURCES) hash.update(readFileSync(new URL(`${source}${extension}`, import.meta.url)));
  return (fingerprintOnce = hash.digest('hex').slice(0, 32));
}

interface Header {
  meta: TitleIndexImage['meta'];
  columns: [name: string, type: ColumnType, length: number][];
}

function columnType(column: ImageColumn): ColumnType {
  return column.constructor.name as ColumnType;
}

function bytesOf(column: ImageColumn): Buffer {
  return Buffer.from(column.buffer, column.byteOffset, column.byteLength);
}

/** The image's bytes after the header, cut into parts of PART_BYTES (views where a part lies in one array). */
function* bodyParts(columns: ImageColumn[]): Generator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for (const column of columns) {
    let bytes = bytesOf(column);
    while (bytes.length > 0) {
      const taken = bytes.subarray(0, PART_BYTES - size);
      pending.push(taken);
      size += taken.length;
      bytes = bytes.subarray(taken.length);
      if (size === PART_BYTES) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        [pending, size] = [[], 0];
      }
    }
  }
  if (size > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
}

/**
 * Saves the index as caught up with change `epoch`, replacing every other snapshot. The index
 * must not change until this settles (its arrays are written as they are): the caller holds
 * the catch-up's turn.
 */
export async function saveIndexSnapshot(d: Dialect, index: TitleIndex, epoch: number): Promise<void> {
  const { meta, columns } = index.image();
  const named = Object.entries(columns);
  const header: Header = { meta, columns: named.map(([name, column]) => [name, columnType(column), column.length]) };
  const parts = [Buffer.from(JSON.stringify(header)), ...bodyParts(named.map(([, column]) => column))];
  const generation = randomUUID();
  const fingerprint = snapshotFingerprint();
  await d.transaction(async (tx) => {
    for (const [part, data] of parts.entries()) {
      await tx.run('insert into title_index_snapshots (generation, part, parts, fingerprint, epoch, titles, data) values ($1, $2, $3, $4, $5, $6, $7)', [
        generation,
        part,
        parts.length,
        fingerprint,
        epoch,
        index.size,
        data,
      ]);
    }
    await tx.run('delete from title_index_snapshots where generation <> $1', [generation]);
  });
}

/**
 * The newest snapshot this code saved whose changes since are all still in the log (`forgotten`
 * is the newest change the log dropped), with the change it had caught up with; null when there
 * is none, or when one of its parts is missing (another instance replaced it meanwhile).
 */
export async function loadIndexSnapshot(d: Dialect, forgotten: number): Promise<{ index: TitleIndex; epoch: number } | null> {
  const newest = await d.get<{ generation: string; parts: number; epoch: number | string; data: Uint8Array }>(
    'select generation, parts, epoch, data from title_index_snapshots where fingerprint = $1 and part = 0 order by epoch desc limit 1',
    [snapshotFingerprint()],
  );
  if (!newest || Number(newest.epoch) < forgotten) return null;
  const header = JSON.parse(Buffer.from(newest.data).toString('utf8')) as Header;
  const columns: Record<string, ImageColumn> = {};
  const targets = header.columns.map(([name, type, length]) => bytesOf((columns[name] = imageColumn(type, length))));
  // The parts' bytes poured into the arrays in order, one part read at a time.
  let [target, offset] = [0, 0];
  for (let part = 1; part < newest.parts; part++) {
    const row = await d.get<{ data: Uint8Array }>('select data from title_index_snapshots where generation = $1 and part = $2', [newest.generation, part]);
    if (!row) return null;
    let data = row.data;
    while (data.length > 0) {
      while (target < targets.length && offset === targets[target]!.length) [target, offset] = [target + 1, 0];
      if (target === targets.length) return null;
      const n = Math.min(data.length, targets[target]!.length - offset);
      targets[target]!.set(data.subarray(0, n), offset);
      offset += n;
      data = data.subarray(n);
    }
  }
  while (target < targets.length && offset === targets[target]!.length) [target, offset] = [target + 1, 0];
  if (target !== targets.length) return null;
  return { index: TitleIndex.fromImage({ meta: header.meta, columns }), epoch: Number(newest.epoch) };
}
