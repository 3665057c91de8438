/**
 * The docs page in a real browser: Debian's headless Chromium opens /docs over plain HTTP at this
 * machine's non-loopback address (what `docker run -p 3000:3000` and a browser on another machine
 * give) and through an HTTPS reverse proxy that ends TLS and forwards plain HTTP (a certificate made
 * at test time), and swagger-ui must have rendered the operations, not only answered 200.
 *
 * Issue 18: swagger-ui's own policy carried upgrade-insecure-requests, so over plain HTTP anywhere
 * but loopback (which browsers never upgrade) the page's scripts were asked for over HTTPS and the
 * page stayed blank. Without /usr/bin/chromium the test is skipped, saying so; under CI=true it
 * fails instead (.ci/run installs Debian's chromium).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { tempDir } from './backend.js';
import { build } from './helper.js';

const CHROMIUM = '/usr/bin/chromium';

/** As root Chromium needs --no-sandbox; without the network flags it keeps calling Google's hosts. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The page's console and the network errors on stderr.
  '--enable-logging=stderr',
  '--v=0',
];

/** Virtual time: it runs only while nothing is loading, so a rendered page is dumped in a second or two. */
const RENDER_BUDGET_MS = 10_000;
const RENDER_TIMEOUT_MS = 25_000;

/** An address another machine would reach this one at: the first IPv4 address not on loopback. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

interface Rendered {
  /** The document as swagger-ui left it. */
  dom: string;
  /** What the page wrote to its console (CSP refusals among it) and the browser's network errors. */
  log: string[];
}

/** Chromium opens the URL and dumps the rendered DOM; it and every process it started are killed when it is done. */
function render(url: string, dir: string, extraFlags: string[] = []): Promise<Rendered> {
  const profile = mkdtempSync(join(dir, 'profile-'));
  const args = [...CHROMIUM_FLAGS, ...extraFlags, `--user-data-dir=${profile}`, `--virtual-time-budget=${RENDER_BUDGET_MS}`, '--dump-dom', url];
  // A process group of its own, so the renderer and GPU processes go with it.
  const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killAll = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killAll();
      reject(new Error(`chromium rendered nothing within ${RENDER_TIMEOUT_MS} ms: ${url}`));
    }, RENDER_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', () => {
      clearTimeout(timer);
      killAll();
      const log = Buffer.concat(stderr).toString('utf8');
      resolve({ dom: Buffer.concat(stdout).toString('utf8'), log: log.split('\n').filter((line) => /:CONSOLE|ERROR:net\//.test(line)) });
    });
  });
}

/** A TLS-terminating reverse proxy on every address, forwarding plain HTTP to the port on loopback as nginx would. */
async function httpsProxy(t: Test, dir: string, target: number): Promise<number> {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=guidepost-test', '-addext', `subjectAltName=IP:${outsideAddress}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const agent = new Agent({ keepAlive: false });
  const proxy: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress, 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host };
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '0.0.0.0', resolve));
  t.teardown(() => {
    proxy.closeAllConnections();
    return new Promise((resolve) => proxy.close(resolve));
  });
  return (proxy.address() as AddressInfo).port;
}

/** What must hold of a rendered docs page whatever the OpenAPI document says this week. */
function checkRendered(t: Test, { dom, log }: Rendered, where: string): void {
  const operations = dom.match(/class="opblock opblock-/g)?.length ?? 0;
  t.ok(operations > 20, `${where}: swagger-ui rendered the operations (${operations} blocks)`, { log });
  t.match(dom, /data-path="\/v1\/titles\/\{[^}]+\}\/verdict"/, `${where}: the verdict operation is on the page`);
  t.same(log.filter((line) => /Refused to|ERROR:net\//.test(line)), [], `${where}: nothing the page asked for was refused or failed`);
}

const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : outsideAddress === undefined
    ? 'this machine has no IPv4 address but loopback'
    : false;

if (missing && process.env.CI === 'true') {
  t.fail(`the docs page must be checked in a browser in CI: ${missing}`);
} else {
  t.test('/docs renders in Chromium over plain HTTP from another machine and through an HTTPS proxy', { skip: missing }, async (t) => {
    const dir = tempDir(t, 'docs-browser');
    // As a deployment behind a proxy on the same machine would set it.
    const app = await build(t, { TRUST_PROXY: ['loopback'] });
    await app.listen({ port: 0, host: '0.0.0.0' });
    const { port } = app.server.address() as AddressInfo;

    checkRendered(t, await render(`http://${outsideAddress}:${port}/docs`, dir), 'plain HTTP');

    const proxyPort = await httpsProxy(t, dir, port);
    const proxied = await render(`https://${outsideAddress}:${proxyPort}/docs`, dir, ['--ignore-certificate-errors']);
    checkRendered(t, proxied, 'HTTPS through the proxy');
    t.notMatch(proxied.dom, new RegExp(`http://[^"'\\s]*:${port}\\b`), 'the page names no plain-HTTP address behind the proxy');
  });
}
