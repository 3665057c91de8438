/** The import's worker thread: batches of raw lines in, the same batches parsed and validated out. */
import { parentPort } from 'node:worker_threads';
import { parseLine } from './import.js';

parentPort!.on('message', (lines: string[]) => parentPort!.postMessage(lines.map(parseLine)));
