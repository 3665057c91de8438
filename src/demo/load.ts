import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importJsonl, type ImportReport } from '../catalogue/import.js';
import type { Store } from '../store/types.js';

/** The demo catalogue ships as source beside this module; the build copies it to dist/demo. */
export const DEMO_FILE = fileURLToPath(new URL('./titles.jsonl', import.meta.url));

/** Loads the demo catalogue into an empty database; leaves a database with titles alone. */
export async function loadDemo(store: Store): Promise<ImportReport | null> {
  if ((await store.titles.count()) > 0) return null;
  const report = await importJsonl(store, readFileSync(DEMO_FILE, 'utf8').split('\n'));
  if (report.errors.length > 0) {
    throw new Error(`The demo catalogue has bad lines: ${report.errors.map((e) => `line ${e.line}: ${e.reason}`).join('; ')}`);
  }
  return report;
}
