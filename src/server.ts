/** The process: configuration, listening, and a graceful close on SIGTERM/SIGINT. */
import { setFlagsFromString } from 'node:v8';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadConfig();

  // Before the heap grows: the policy applies to what is allocated from here on.
  if (config.OPTIMIZE_FOR_SIZE) setFlagsFromString('--optimize-for-size');
  const app = await buildApp(config);

  // On SIGTERM or SIGINT: stop accepting connections, let requests in flight finish (none runs
  // longer than the handler timeout), answer late ones 503, then close the database, which
  // checkpoints its write-ahead log. Past the delay, or on a second signal, exit at once: every
  // acknowledged write is already on disk.
  const delay = config.HANDLER_TIMEOUT_MS + 5_000;
  closeWithGrace({ delay, logger: { error: (msg: unknown) => app.log.error(msg) } }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing');
    // The index as it stands, for the next start-up to catch up from (seconds at a million titles).
    await saveIndex(app).catch((error: unknown) => app.log.warn({ err: error }, 'could not save the title index'));
    await app.close();
    app.log.info('closed');
  });

  // The title index is ready before the port opens: the first list or catalogue page would
  // otherwise wait for it. It is loaded from the snapshot the last process saved when that one
  // is still good, else built from the tables (tens of seconds at a million titles) and saved.
  const started = performance.now();
  await app.store.titles.warm();
  const stats = await app.store.titles.indexStats();
  app.log.info({ titles: stats?.titles, fromSnapshot: stats?.fromSnapshot, ms: Math.round(performance.now() - started) }, 'title index built');
  if (!stats?.fromSnapshot) await saveIndex(app).catch((err: unknown) => app.log.warn({ err }, 'could not save the title index'));

  await app.listen({ port: config.PORT, host: config.HOST });
  // The metrics' own port (METRICS_PORT), if asked for; it closes with the app.
  await app.metrics.listen();
}

async function saveIndex(app: Awaited<ReturnType<typeof buildApp>>): Promise<void> {
  const started = performance.now();
  if (await app.store.titles.saveIndex()) app.log.info({ ms: Math.round(performance.now() - started) }, 'title index saved');
}

// A refused configuration (a bad variable, or a database that cannot be where DATABASE_URL says)
// is a line for each variable and exit status 2, as the guidepost command does; anything else 1.
main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    err.report();
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
