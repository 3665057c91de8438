/**
 * A child's age from a partial birth date, counted conservatively: with only a month, the
 * birthday is taken as the last day of that month; with only a year, as 31 December. The
 * child is therefore never counted older than they may be. Dates are calendar dates in UTC.
 */
export const BIRTH = /^(\d{4})(?:-(0[1-9]|1[0-2]))?$/;

/** Today's date in UTC as YYYY-MM-DD. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The latest date the birthday can fall on, as [year, month, day]. */
export function latestBirthday(birth: string): [number, number, number] {
  const m = BIRTH.exec(birth);
  if (!m) throw new Error(`not a birth of the form YYYY or YYYY-MM: ${birth}`);
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : 12;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return [year, month, lastDay];
}

/** Whole years from the latest possible birthday to `today` (YYYY-MM-DD); 0 until the first. */
export function ageOn(birth: string, today: string): number {
  const [by, bm, bd] = latestBirthday(birth);
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const hadBirthday = tm > bm || (tm === bm && td >= bd);
  return Math.max(0, ty - by - (hadBirthday ? 0 : 1));
}

/** Whether the birth lies after `today` (a child not yet born cannot have a profile). */
export function bornAfter(birth: string, today: string): boolean {
  const m = BIRTH.exec(birth)!;
  const start = m[2] ? `${m[1]}-${m[2]}` : m[1]!;
  return start > today.slice(0, start.length);
}
