/**
 * JSON Lines import, shared by `guidepost import` and the demo catalogue: every line is
 * validated on its own, good lines are upserted in transaction-sized batches, and every bad
 * line is reported by number and reason.
 */
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

function describeIssues(issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys' && i.keys) return i.keys.map((k) => `${path ? `${path}.` : ''}${k}: unknown field`).join('; ');
      return `${path || 'line'}: ${i.message}`;
    })
    .join('; ');
}

export async function importJsonl(
  store: Store,
  lines: AsyncIterable<string> | Iterable<string>,
  onProgress: (report: ImportReport) => void = () => {},
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, created: 0, updated: 0, unchanged: 0, errors: [] };
  let batch: { line: number; value: ImportLine }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await store.titles.importBatch(batch.map((b) => b.value));
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) report[outcome.outcome] += 1;
      else report.errors.push({ line: batch[i]!.line, reason: outcome.error });
    });
    batch = [];
    onProgress(report);
  };

  for await (const raw of lines) {
    report.lines += 1;
    const text = raw.trim();
    if (text === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      report.errors.push({ line: report.lines, reason: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    const parsed = ImportLine.safeParse(json);
    if (!parsed.success) {
      report.errors.push({ line: report.lines, reason: describeIssues(parsed.error.issues as never) });
      continue;
    }
    batch.push({ line: report.lines, value: parsed.data });
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}
