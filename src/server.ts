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
    await app.close();
    app.log.info('closed');
  });

  // The title index is built before the port opens: at a million titles that takes seconds,
  // which the first list or catalogue page would otherwise wait out.
  const started = performance.now();
  await app.store.titles.warm();
  app.log.info({ titles: await app.store.titles.count(), ms: Math.round(performance.now() - started) }, 'title index built');

  await app.listen({ port: config.PORT, host: config.HOST });
  // The metrics' own port (METRICS_PORT), if asked for; it closes with the app.
  await app.metrics.listen();
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
