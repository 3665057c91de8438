/**
 * An import's progress, counted in lines committed (or reported bad), never in bytes read: the
 * reader runs up to two transactions ahead of the writes. On a terminal one line is rewritten
 * after every commit; elsewhere (a log, a pipe) a line at most every `everyMs`, so that a long
 * import still shows it is alive and a short one prints its summary alone.
 */
import type { ImportReport } from '../catalogue/import.js';

interface ProgressOptions {
  /** Rewrite one line in place (stderr is a terminal). */
  tty: boolean;
  write: (text: string) => void;
  now?: () => number;
  everyMs?: number;
  /** What the report counts: lines of JSON Lines, titles of a Wikidata result. */
  unit?: 'lines' | 'titles';
}

const seconds = (ms: number) => ms / 1000;
const rate = (lines: number, ms: number) => Math.round(lines / Math.max(seconds(ms), 0.001));

export function importProgress({ tty, write, now = () => performance.now(), everyMs = 10_000, unit = 'lines' }: ProgressOptions) {
  /** How far an import is: lines done and their rate, and what became of them. */
  const counts = (r: ImportReport, ms: number) =>
    `${r.lines} ${unit} (${rate(r.lines, ms)} ${unit}/s): ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.errors.length} bad`;
  const started = now();
  let shown = started;
  return {
    /** After each commit. */
    update(report: ImportReport): void {
      const at = now();
      // \x1b[K clears what a longer line before left on the terminal.
      if (tty) write(`\rimporting… ${counts(report, at - started)}\x1b[K`);
      else if (at - shown >= everyMs) {
        write(`importing… ${counts(report, at - started)}\n`);
        shown = at;
      }
    },
    /** Ends the line rewritten in place, so that what is written next starts a line of its own. */
    done(): void {
      if (tty) write('\n');
    },
    /** The last line: lines, time, rate and outcomes. */
    summary(report: ImportReport): string {
      const ms = now() - started;
      const good = report.created + report.updated + report.unchanged;
      return `Imported ${good} of ${report.lines} ${unit} in ${seconds(ms).toFixed(1)} s (${rate(report.lines, ms)} ${unit}/s): ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.errors.length} bad.`;
    },
  };
}
