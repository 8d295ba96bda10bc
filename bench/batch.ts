import type { KeyObject } from 'node:crypto';
import { Writable } from 'node:stream';
import { readIdLines, type IdFileShape } from '../main/core/ids/id-file.js';
import { batchSign } from '../main/core/keys/batch-sign.js';
import { signDeviceId, verifyDeviceId } from '../main/core/keys/ecdsa.js';
import { nowS } from './timing.js';

/** An id file of n rows as it arrives line by line: a `device_id,sn` header, then the ids. */
async function* generatedIdFile(n: number): AsyncGenerator<string> {
  yield 'device_id,sn';
  for (let i = 0; i < n; i++) yield `DEV-${String(i).padStart(9, '0')},SN${i}`;
}

/** Counts what batchSign writes; keeps the last row to check it afterwards. */
class CountingWritable extends Writable {
  bytes = 0;
  lines = 0;
  private tail = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const s = chunk.toString('utf8');
    this.bytes += chunk.length;
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) this.lines++;
    this.tail = (this.tail + s).slice(-512);
    cb();
  }
  lastRow(): string {
    const rows = this.tail.split('\n').filter(Boolean);
    return rows[rows.length - 1] ?? '';
  }
}

export interface BatchResult {
  rate: number;
  ids: number;
  seconds: number;
  bytes: number;
}

/** batchSign over n generated ids (readIdLines → batchSign → a counting sink), ids per second. */
export async function batchThroughput(key: KeyObject, publicKey: KeyObject, productId: number, n: number): Promise<BatchResult> {
  let shape: IdFileShape | undefined;
  const out = new CountingWritable({ highWaterMark: 64 * 1024 });
  const start = nowS();
  const summary = await batchSign(
    readIdLines(generatedIdFile(n), (s) => (shape = s)),
    () => shape,
    (id) => signDeviceId(key, productId, id),
    out,
  );
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const seconds = nowS() - start;
  // Not timed: the run really produced what it claims.
  if (summary.signed !== n || summary.invalid.length !== 0) throw new Error(`signed ${summary.signed} of ${n}, ${summary.invalid.length} invalid`);
  if (out.lines !== n + 1) throw new Error(`wrote ${out.lines} lines for ${n} ids`);
  const [id, sig, sn] = out.lastRow().split(',');
  if (id !== `DEV-${String(n - 1).padStart(9, '0')}` || sn !== `SN${n - 1}` || !verifyDeviceId(publicKey, productId, id, sig)) {
    throw new Error(`the last row does not check out: ${out.lastRow()}`);
  }
  return { rate: n / seconds, ids: n, seconds, bytes: out.bytes };
}
