/**
 * What `npm ci` installs runs on the Node the project supports: every package in the lock file
 * that names the Node versions it needs accepts this one (npm warns EBADENGINE otherwise, and
 * such a package may use what this Node lacks). Overrides in package.json pin the few whose
 * newest versions want a newer Node.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { test } from 'tap';

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

test('every locked package accepts this Node and the lowest the project supports', async (t) => {
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as Lock;
  const supported = semver.minVersion((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node)!;
  const refusing = Object.entries(lock.packages).flatMap(([path, { version, engines }]) => {
    const range = engines && !Array.isArray(engines) ? engines.node : undefined;
    if (!range) return [];
    return [process.version, supported.version]
      .filter((node) => !semver.satisfies(node, range))
      .map((node) => `${path.replace(/^.*node_modules\//, '')}@${version} wants node ${range}, not ${node}`);
  });
  t.same(refusing, []);
});
