/** Helpers for the security tests: the headers helmet must set, and raw HTTP against a listening app. */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** What helmet sets on every answer, as configured (the CSP differs: the docs page sets its own). */
export const HELMET_HEADERS: Record<string, string | RegExp> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': /^max-age=\d{7,}; includeSubDomains/,
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** The helmet headers an answer lacks or gets wrong, plus headers that tell what runs the server. */
export function headerFaults(headers: Record<string, unknown>): string[] {
  const faults = Object.entries(HELMET_HEADERS).flatMap(([name, expected]) => {
    const value = headers[name];
    const ok = typeof value === 'string' && (typeof expected === 'string' ? value === expected : expected.test(value));
    return ok ? [] : [`${name}: ${String(value)}`];
  });
  for (const name of ['x-powered-by', 'server']) if (name in headers) faults.push(`${name} is sent: ${String(headers[name])}`);
  return faults;
}

/** Listens on a free port of 127.0.0.1 and answers its address. */
export async function listen(app: FastifyInstance): Promise<{ host: string; port: number }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { host: '127.0.0.1', port };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes exactly as given (no client-side checks) and reads the answer until the server closes or ends it. */
export function rawRequest(address: { host: string; port: number }, request: string | Buffer, writes: (string | Buffer)[] = []): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && Buffer.concat(chunks).length >= end + 4 + Number(length)) socket.end();
    });
    socket.on('error', (err) => (chunks.length ? undefined : reject(err)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(request);
    for (const chunk of writes) socket.write(chunk);
  });
}
