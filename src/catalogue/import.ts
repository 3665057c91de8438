/**
 * JSON Lines import, shared by `guidepost import` and the demo catalogue: every line is
 * validated on its own, good lines are upserted in transaction-sized batches, and every bad
 * line is reported by number and reason.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ImportLine } from '../schemas/titles.js';
import type { Store } from '../store/types.js';

export interface ImportReport {
  lines: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: { line: number; reason: string }[];
}

export const IMPORT_BATCH = 1000;

/** One line read: a title to write, a reason it cannot be, or nothing (a blank line). */
export type ParsedLine = { value: ImportLine } | { error: string } | null;

function describeIssues(issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys' && i.keys) return i.keys.map((k) => `${path ? `${path}.` : ''}${k}: unknown field`).join('; ');
      return `${path || 'line'}: ${i.message}`;
    })
    .join('; ');
}

export function parseLine(raw: string): ParsedLine {
  const text = raw.trim();
  if (text === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
  const parsed = ImportLine.safeParse(json);
  return parsed.success ? { value: parsed.data } : { error: describeIssues(parsed.error.issues as never) };
}

/** Batches of lines, parsed here, one after another. */
async function* parsedHere(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ParsedLine[]> {
  let batch: ParsedLine[] = [];
  for await (const raw of lines) {
    batch.push(parseLine(raw));
    if (batch.length === IMPORT_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Batches of lines, parsed by a worker thread while this one writes the batch before: reading
 * JSON and validating it cost as much as the writing. Two batches are in the worker at a time.
 */
async function* parsedInWorker(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ParsedLine[]> {
  // parse-worker.js when built. Where tsx runs the sources (tests, `npm run cli`) the worker
  // registers tsx itself before loading parse-worker.ts: a worker does not inherit its hooks.
  const worker =
    extname(import.meta.url) === '.ts'
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', import.meta.url).href)}); });`, { eval: true })
      : new Worker(new URL('./parse-worker.js', import.meta.url));
  const pending: Promise<ParsedLine[]>[] = [];
  const waiting: { resolve: (batch: ParsedLine[]) => void; reject: (err: unknown) => void }[] = [];
  worker.on('message', (batch: ParsedLine[]) => waiting.shift()!.resolve(batch));
  worker.on('error', (err) => waiting.splice(0).forEach((w) => w.reject(err)));
  const send = (batch: string[]) => {
    pending.push(new Promise((resolve, reject) => waiting.push({ resolve, reject })));
    worker.postMessage(batch);
  };
  try {
    let batch: string[] = [];
    for await (const raw of lines) {
      batch.push(raw);
      if (batch.length < IMPORT_BATCH) continue;
      send(batch);
      batch = [];
      if (pending.length > 2) yield await pending.shift()!;
    }
    if (batch.length) send(batch);
    while (pending.length) yield await pending.shift()!;
  } finally {
    await worker.terminate();
  }
}

export async function importJsonl(
  store: Store,
  lines: AsyncIterable<string> | Iterable<string>,
  onProgress: (report: ImportReport) => void = () => {},
  { worker = false }: { worker?: boolean } = {},
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, created: 0, updated: 0, unchanged: 0, errors: [] };
  for await (const parsed of (worker ? parsedInWorker : parsedHere)(lines)) {
    const batch: { line: number; value: ImportLine }[] = [];
    for (const line of parsed) {
      report.lines += 1;
      if (line === null) continue;
      if ('error' in line) report.errors.push({ line: report.lines, reason: line.error });
      else batch.push({ line: report.lines, value: line.value });
    }
    if (batch.length === 0) continue;
    const outcomes = await store.titles.importBatch(batch.map((b) => b.value));
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) report[outcome.outcome] += 1;
      else report.errors.push({ line: batch[i]!.line, reason: outcome.error });
    });
    onProgress(report);
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}
