/**
 * The DATABASE_URL values Guidepost refuses, and the reason each is refused for: shared by the
 * test that opens them in-process (test/db/location.test.ts) and the one that starts the server
 * and the command with them (test/database-url.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RefusedLocation {
  what: string;
  value: string;
  reason: RegExp;
  /**
   * Refused only for want of permission, which root never lacks: run as the user nobody (uid
   * 65534) when the test runs as root. A folder it cannot write, but may enter.
   */
  unprivileged?: boolean;
  /** A path the refusal must not have created. */
  absent?: string;
}

/** Sets up, in `dir` (which it opens to every user), a place for each refusal. */
export function refusedLocations(dir: string): RefusedLocation[] {
  chmodSync(dir, 0o755);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database, however long it goes on for\n');
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // A SQLite header, then nothing SQLite can read.
  const damaged = join(dir, 'damaged.db');
  writeFileSync(damaged, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080, 7)]));
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o555 });
  chmodSync(locked, 0o555);
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const readOnly = join(open, 'read-only.db');
  writeFileSync(readOnly, '');
  chmodSync(readOnly, 0o444);
  const any = `a postgres:// or postgresql:// URL, a SQLite file's path, a file: URL or :memory:`;
  return [
    { what: 'another database', value: 'mysql://db.example/guidepost', reason: new RegExp(`^mysql: is no database Guidepost opens; give ${any.replaceAll('/', '\\/')}$`) },
    { what: 'any other scheme', value: 'https://db.example/guidepost.db', reason: /^https: is no database Guidepost opens/ },
    { what: 'a relative file: URL', value: 'file:data/guidepost.db', reason: /^a file: URL names an absolute path/ },
    { what: "a file: URL with SQLite's parameters", value: `file://${join(dir, 'g.db')}?mode=ro`, reason: /^a file: URL takes no query or fragment/ },
    { what: 'a PostgreSQL URL that is no URL', value: 'postgres://[db', reason: /^not a valid URL$/ },
    { what: 'a missing folder', value: join(dir, 'missing', 'more', 'g.db'), reason: /^the directory .*\/missing\/more does not exist; create it first$/, absent: join(dir, 'missing') },
    { what: 'a file where a folder should be', value: join(text, 'g.db'), reason: /^.*\/notes\.txt is not a directory$/ },
    { what: 'a folder', value: dir, reason: /^.* is a directory; give the path of a file in it, such as .*\/guidepost\.db$/ },
    { what: 'a file that is no SQLite database', value: text, reason: /^.*\/notes\.txt is not a SQLite database$/ },
    { what: 'a damaged SQLite file', value: damaged, reason: /^SQLite cannot open it: file is not a database$/ },
    { what: 'a file that is not a regular file', value: fifo, reason: /^.*\/fifo is not a regular file$/ },
    { what: '/proc (where Node once spun for ever)', value: '/proc/guidepost/g.db', reason: /^\/proc is on the proc file system, not a disk; give a path on a disk$/ },
    { what: '/sys', value: '/sys/guidepost.db', reason: /^\/sys is on the sysfs file system, not a disk/ },
    { what: '/dev', value: '/dev/null', reason: /^\/dev\/null is on the kernel's \/dev file system, not a disk/ },
    { what: 'a folder it may not write', value: join(locked, 'g.db'), reason: /^cannot write in the folder .*\/locked: permission denied$/, unprivileged: true, absent: join(locked, 'g.db') },
    { what: 'a file it may not write', value: readOnly, reason: /^cannot write the file .*\/read-only\.db: permission denied$/, unprivileged: true },
  ];
}

export const isRoot = () => process.getuid?.() === 0;
