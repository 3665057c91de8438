/**
 * JSON Lines import, shared by `guidepost import` and the demo catalogue: every line is
 * validated on its own, good lines are upserted in transaction-sized batches, and every bad
 * line is reported by number and reason.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { clip } from '../domain/text.js';
import { MAX_LISTED_ERRORS } from '../schemas/common.js';
import { boundsOf, firstExcess } from '../schemas/json-shape.js';
import { ImportLine } from '../schemas/titles.js';
import { importItem, type ImportItem } from '../store/title-mapping.js';
import type { Store } from '../store/types.js';

export interface ImportReport {
  lines: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: { line: number; reason: string }[];
}

/** Lines parsed at a time, here or in the worker. */
const PARSE_BATCH = 1000;

/**
 * Lines written in one transaction. A commit writes every page the transaction touched, and a
 * large catalogue's indexes take new entries at random places, so fewer, larger commits write
 * each index page fewer times: importing a million titles spent 25 s committing batches of
 * 1,000 lines and about 7 s committing batches of 20,000. Other writers wait for a commit: up
 * to a second at this size.
 */
const WRITE_BATCH = 20_000;

/** One line read: a title to write, a reason it cannot be, or nothing (a blank line). */
type ParsedLine = { value: ImportItem } | { error: string } | null;

export function describeIssues(issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[]): string {
  const all = issues.flatMap((i) => {
    const path = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys' && i.keys) return i.keys.map((k) => `${path ? `${path}.` : ''}${clip(k, 41)}: unknown field`);
    return [`${path || 'line'}: ${clip(i.message, 300)}`];
  });
  // As many as an API answer lists: a line's reason does not grow with the line.
  const more = all.length - MAX_LISTED_ERRORS;
  return [...all.slice(0, MAX_LISTED_ERRORS), ...(more > 0 ? [`and ${more} more`] : [])].join('; ');
}

/** An import line is held to the shape a title takes, as a request body is (schemas/json-shape.ts). */
const LINE_BOUNDS = boundsOf(ImportLine);

export function parseLine(raw: string): ParsedLine {
  const text = raw.trim();
  if (text === '') return null;
  const excess = firstExcess(text, LINE_BOUNDS, 'line');
  if (excess) return { error: `${excess.path}: ${excess.message}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
  const parsed = ImportLine.safeParse(json);
  if (!parsed.success) return { error: describeIssues(parsed.error.issues as never) };
  // The rows a line makes are worked out here, in the worker where there is one: the thread
  // that writes has enough to do. Whatever goes wrong with one line stays that line's error.
  try {
    return { value: importItem(parsed.data) };
  } catch (err) {
    return { error: `cannot be stored (${err instanceof Error ? err.message : String(err)})` };
  }
}

type Lines = AsyncIterable<string> | Iterable<string>;

/** Batch sizes: the defaults above; tests make them small. */
interface ImportOptions {
  /** Parse in a worker thread (the CLI does). */
  worker?: boolean;
  parseBatch?: number;
  writeBatch?: number;
}

/** Batches of lines, parsed here, one after another. */
async function* parsedHere(lines: Lines, { parseBatch }: Required<ImportOptions>): AsyncGenerator<ParsedLine[]> {
  let batch: ParsedLine[] = [];
  for await (const raw of lines) {
    batch.push(parseLine(raw));
    if (batch.length === parseBatch) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Batches of lines, parsed by a worker thread while this one writes the batch before: reading
 * JSON and validating it cost as much as the writing. Up to a transaction's worth of lines is
 * in the worker at a time, so it goes on parsing while this thread writes. If the worker fails
 * or stops, every batch still waiting fails with it and the import stops with that error.
 */
async function* parsedInWorker(lines: Lines, { parseBatch, writeBatch }: Required<ImportOptions>): AsyncGenerator<ParsedLine[]> {
  // parse-worker.js when built. Where tsx runs the sources (tests, `npm run cli`) the worker
  // registers tsx itself before loading parse-worker.ts: a worker does not inherit its hooks.
  // tsx is found from this module, not from the working folder, which may be anywhere.
  const worker =
    extname(import.meta.url) === '.ts'
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', import.meta.url).href)}); });`, { eval: true })
      : new Worker(new URL('./parse-worker.js', import.meta.url));
  const pending: Promise<ParsedLine[]>[] = [];
  const waiting: { resolve: (batch: ParsedLine[]) => void; reject: (err: unknown) => void }[] = [];
  const fail = (err: unknown) => waiting.splice(0).forEach((w) => w.reject(err));
  // The worker answers with JSON text (see parse-worker.ts): read on this thread, it costs less than a structured clone.
  worker.on('message', (batch: string) => waiting.shift()!.resolve(JSON.parse(batch) as ParsedLine[]));
  worker.on('error', fail);
  worker.on('messageerror', fail);
  worker.on('exit', (code) => fail(new Error(`the import's parsing worker stopped (exit code ${code})`)));
  const send = (batch: string[]) => {
    const parsed = new Promise<ParsedLine[]>((resolve, reject) => waiting.push({ resolve, reject }));
    // Only the batch awaited first reports a failure; the others must not be unhandled rejections.
    parsed.catch(() => {});
    pending.push(parsed);
    worker.postMessage(batch);
  };
  try {
    let batch: string[] = [];
    for await (const raw of lines) {
      batch.push(raw);
      if (batch.length < parseBatch) continue;
      send(batch);
      batch = [];
      if (pending.length > writeBatch / parseBatch) yield await pending.shift()!;
    }
    if (batch.length) send(batch);
    while (pending.length) yield await pending.shift()!;
  } finally {
    await worker.terminate();
  }
}

/** Writes a batch in one transaction, counting what became of each item in the report. */
export async function writeItems(store: Store, batch: readonly { line: number; item: ImportItem }[], report: ImportReport): Promise<void> {
  const outcomes = await store.titles.importBatch(batch.map((b) => b.item));
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) report[outcome.outcome] += 1;
    else report.errors.push({ line: batch[i]!.line, reason: outcome.error });
  });
}

export async function importJsonl(
  store: Store,
  lines: Lines,
  onProgress: (report: ImportReport) => void = () => {},
  { worker = false, parseBatch = PARSE_BATCH, writeBatch = WRITE_BATCH }: ImportOptions = {},
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, created: 0, updated: 0, unchanged: 0, errors: [] };
  let batch: { line: number; item: ImportItem }[] = [];
  const write = async () => {
    await writeItems(store, batch, report);
    batch = [];
    onProgress(report);
  };
  for await (const parsed of (worker ? parsedInWorker : parsedHere)(lines, { worker, parseBatch, writeBatch })) {
    for (const line of parsed) {
      report.lines += 1;
      if (line === null) continue;
      if ('error' in line) report.errors.push({ line: report.lines, reason: line.error });
      else batch.push({ line: report.lines, item: line.value });
    }
    if (batch.length >= writeBatch) await write();
  }
  if (batch.length) await write();
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}
