import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createContext } from '../main/core/context.js';
import { readIdLines, type IdFileShape } from '../main/core/ids/id-file.js';
import { batchSign } from '../main/core/keys/batch-sign.js';
import { parsePublicKeyPem, verifyDeviceId } from '../main/core/keys/ecdsa.js';
import { KeyService } from '../main/core/keys/key-service.js';
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
  /** Signing threads in the pool. */
  poolSize: number;
  /** Not timed: reading the key row and unsealing it (scrypt), before the pool starts. */
  unsealSeconds: number;
  /** CPU seconds of this process (all threads) over the timed run: cpuSeconds / seconds = cores kept busy. */
  cpuSeconds: number;
}

/**
 * The CLI's `sign --file` path over n generated ids: the key imported into a throwaway station
 * home, KeyService.batchSigner (worker pool), readIdLines → batchSign → a counting sink.
 * Timed from the pool's creation (its workers boot inside the measure) until it is closed.
 */
export async function batchThroughput(
  key: KeyObject,
  publicKey: KeyObject,
  productId: number,
  n: number,
  o: { poolSize?: number } = {},
): Promise<BatchResult> {
  return inStation({}, (keys) => {
    keys.import(productId, 1, key.export({ type: 'pkcs8', format: 'pem' }).toString());
    return runBatch(keys, publicKey, productId, n, o.poolSize);
  });
}

/**
 * The same through a key in a hardware token: `key import` of the token's key by its label,
 * then the pool of sessions signing in the token (C_Sign); the public half from the token.
 */
export async function tokenBatchThroughput(
  token: { module: string; token_label: string; key_label: string; pin: string },
  productId: number,
  n: number,
  o: { poolSize?: number } = {},
): Promise<BatchResult> {
  return inStation({ WXPROV_PKCS11_PIN: token.pin }, (keys) => {
    const r = keys.importFromToken(productId, 1, { module: token.module, token_label: token.token_label }, token.key_label);
    return runBatch(keys, parsePublicKeyPem(r.public_key_pem), productId, n, o.poolSize);
  });
}

async function inStation<T>(env: NodeJS.ProcessEnv, fn: (keys: KeyService) => Promise<T>): Promise<T> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-'));
  const ctx = createContext({ env: { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: 'bench-only passphrase', ...env }, actor: 'bench' });
  try {
    return await fn(new KeyService(ctx));
  } finally {
    ctx.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function runBatch(keys: KeyService, publicKey: KeyObject, productId: number, n: number, poolSize?: number): Promise<BatchResult> {
  let shape: IdFileShape | undefined;
  const out = new CountingWritable({ highWaterMark: 64 * 1024 });
  const t0 = nowS();
  const signer = keys.batchSigner(productId, 1, poolSize === undefined ? {} : { size: poolSize });
  const start = nowS();
  const cpu0 = process.cpuUsage();
  let summary;
  try {
    summary = await batchSign(readIdLines(generatedIdFile(n), (s) => (shape = s)), () => shape, signer, out);
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } finally {
    await signer.close();
  }
  const seconds = nowS() - start;
  const cpu = process.cpuUsage(cpu0);
  // Not timed: the run really produced what it claims.
  if (summary.signed !== n || summary.invalid.length !== 0) throw new Error(`signed ${summary.signed} of ${n}, ${summary.invalid.length} invalid`);
  if (out.lines !== n + 1) throw new Error(`wrote ${out.lines} lines for ${n} ids`);
  const [id, sig, sn] = out.lastRow().split(',');
  if (id !== `DEV-${String(n - 1).padStart(9, '0')}` || sn !== `SN${n - 1}` || !verifyDeviceId(publicKey, productId, id, sig)) {
    throw new Error(`the last row does not check out: ${out.lastRow()}`);
  }
  return { rate: n / seconds, ids: n, seconds, bytes: out.bytes, poolSize: signer.pool_size, unsealSeconds: start - t0, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
