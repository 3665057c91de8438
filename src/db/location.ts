/**
 * Where a database lives, checked before anything opens it. A database is named by a
 * postgres:// or postgresql:// URL, a SQLite file's path, a file: URL (file:///path/to/file.db)
 * or :memory: (a database in memory, gone when the process ends). A SQLite file must be a
 * regular file holding a SQLite database (or nothing yet) on a disk, in a folder that exists and
 * may be written (SQLite writes its -wal and -shm files beside the database). Anything else is
 * refused here with a reason, before SQLite could create a stray file, or Node's recursive mkdir
 * spin for ever on /proc (which answers ENOENT where it means "never").
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, realpathSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one folder created unasked: the default database's, ./data. Any other must exist. */
export const DEFAULT_SQLITE_PATH = './data/guidepost.db';
export const IN_MEMORY = ':memory:';

/** Why a database cannot be where it was named: a phrase the caller puts after the name. */
export class DatabaseLocationError extends Error {
  override name = 'DatabaseLocationError';
}

export type DatabaseLocation = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

export const isPostgresUrl = (value: string) => /^postgres(ql)?:\/\//i.test(value);

/** What a name says by its form alone: PostgreSQL, or a SQLite path; anything else refused. */
export function databaseLocation(value: string): DatabaseLocation {
  if (isPostgresUrl(value)) {
    // pg reads a URL with no host (postgres://user@/db?host=/run/postgresql) as one with a dummy host.
    if (!URL.canParse(value) && !URL.canParse(value.replace('@/', '@h/'))) throw new DatabaseLocationError('not a valid URL');
    return { kind: 'postgres', url: value };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  if (scheme === undefined) return { kind: 'sqlite', path: value };
  if (scheme.toLowerCase() !== 'file') {
    throw new DatabaseLocationError(`${scheme}: is no database Guidepost opens; give a postgres:// or postgresql:// URL, a SQLite file's path, a file: URL or :memory:`);
  }
  // new URL('file:data/g.db') is /data/g.db: a relative file: URL would name another place.
  const url = /^file:\//i.test(value) && URL.canParse(value) ? new URL(value) : null;
  if (!url) throw new DatabaseLocationError('a file: URL names an absolute path (file:///srv/guidepost.db); give a relative one as a plain path');
  if (url.search || url.hash) throw new DatabaseLocationError("a file: URL takes no query or fragment (SQLite's URI parameters are not used); give the path alone");
  try {
    return { kind: 'sqlite', path: fileURLToPath(url) };
  } catch (err) {
    throw new DatabaseLocationError(`not a file: URL of this machine (${(err as Error).message})`);
  }
}

/** What went wrong with a file, in a few words: "no such file", "permission denied", … */
export function fileErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'is a directory',
    EEXIST: 'already exists',
    ENOSPC: 'no space left on the device',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  return (code && reasons[code]) ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Kernel and pseudo file systems by their statfs(2) magic numbers (linux/magic.h): none of them
 * keeps a file. /dev is devtmpfs, which says it is tmpfs (as a RAM disk would): it goes by path.
 */
const NOT_DISKS = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0xde5e81e4, 'efivarfs'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0x6e736673, 'nsfs'],
  [0xf97cff8c, 'selinuxfs'],
]);
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'];

const fail = (reason: string) => new DatabaseLocationError(reason);

/** The path itself, or the nearest folder above it that exists. */
function nearestExisting(path: string): { at: string; stats: Stats } {
  for (let at = path; ; at = dirname(at)) {
    try {
      return { at, stats: statSync(at) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands where a folder should; the walk up finds it.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || at === dirname(at)) throw fail(`cannot reach ${at}: ${fileErrorReason(err)}`);
    }
  }
}

function refuseKernelFileSystem(at: string): void {
  const real = realpathSync(at);
  const under = (f: string) => real === f || real.startsWith(`${f}/`);
  // /dev/shm is a tmpfs like /tmp: a database there lives as long as the machine is up.
  const folder = under('/dev/shm') ? undefined : KERNEL_FOLDERS.find(under);
  let type: string | undefined;
  try {
    type = NOT_DISKS.get(statfsSync(real).type);
  } catch {
    // Nothing to tell by: the path rule alone.
  }
  if (folder || type) throw fail(`${real} is on ${type ? `the ${type}` : `the kernel's ${folder}`} file system, not a disk; give a path on a disk`);
}

function mayWrite(path: string, what: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw fail(`cannot write ${what} ${path}: ${fileErrorReason(err)}`);
  }
}

const SQLITE_HEADER = 'SQLite format 3\0';

/** An empty file is one: SQLite makes it a new database. */
function holdsSqlite(path: string, stats: Stats): boolean {
  if (stats.size === 0) return true;
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, header, 0, header.length, 0);
  } catch (err) {
    throw fail(`cannot read ${path}: ${fileErrorReason(err)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return header.toString('latin1') === SQLITE_HEADER;
}

/**
 * How a SQLite file is to be used: `open` (created if missing: the server's and the commands'
 * database), `existing` (a source to copy from, never created) or `new` (a backup: created,
 * never over a file that exists).
 */
export type SqliteUse = 'open' | 'existing' | 'new';

/** Refuses, with the reason, a SQLite path that cannot be used so; creates ./data for the default. */
export function checkSqliteFile(path: string, use: SqliteUse = 'open'): void {
  if (path === IN_MEMORY && use !== 'new') return;
  const file = resolve(path);
  const { at, stats } = nearestExisting(file);
  refuseKernelFileSystem(at);
  if (at === file) {
    if (use === 'new') throw fail('the file already exists; give a new path');
    if (stats.isDirectory()) throw fail(`${file} is a directory; give the path of a file in it, such as ${join(path, 'guidepost.db')}`);
    if (!stats.isFile()) throw fail(`${file} is not a regular file`);
    mayWrite(file, 'the file');
    mayWrite(dirname(file), 'in the folder');
    if (!holdsSqlite(file, stats)) throw fail(`${file} is not a SQLite database`);
    return;
  }
  if (use === 'existing') throw fail(`there is no database at ${file} (no such file)`);
  if (!stats.isDirectory()) throw fail(`${at} is not a directory`);
  const folder = dirname(file);
  if (at === folder) return mayWrite(folder, 'in the folder');
  if (folder !== resolve(dirname(DEFAULT_SQLITE_PATH)) || at !== dirname(folder)) throw fail(`the directory ${folder} does not exist; create it first`);
  mayWrite(at, 'in the folder');
  try {
    mkdirSync(folder);
  } catch (err) {
    // Another process (a server and a command started together) made it first.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(folder).isDirectory()) return;
    throw fail(`cannot create the folder ${folder}: ${fileErrorReason(err)}`);
  }
}
