// Tests that run the sources in child processes through tsx count for no coverage: tsx compiles
// the files differently from tap's loader, and merging the two for one file garbles the report.
const SUBPROCESS_TESTS = [
  'test/server.test.ts',
  'test/database-url.test.ts',
  'test/cli/import-export.test.ts',
  'test/cli/wikidata-command.test.ts',
  'test/cli/migrate-data.test.ts',
  'test/cli/errors.test.ts',
  'test/faults/crash.test.ts',
  'test/faults/sigterm.test.ts',
  'test/faults/backup.test.ts',
  'test/client/family-app.test.ts',
];

export default (testFile) => (SUBPROCESS_TESTS.some((t) => testFile.endsWith(t)) ? null : []);
