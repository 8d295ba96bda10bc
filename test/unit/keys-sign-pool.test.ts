import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { parseCsvLine } from '../../main/core/ids/csv.js';
import { readIdLines, type IdFileShape } from '../../main/core/ids/id-file.js';
import { batchSign, type ChunkSigner } from '../../main/core/keys/batch-sign.js';
import { generateKeyPair, privateKeyDer, signDeviceId, verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { KeyService, type BatchSigner } from '../../main/core/keys/key-service.js';
import { SignPool, defaultSignPoolSize } from '../../main/core/keys/sign-pool.js';

const PID = 515151;
const pair = generateKeyPair();
const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();

async function* linesOf(text: string): AsyncGenerator<string> {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (const p of parts) yield p;
}

function sink(o: { highWaterMark?: number; delayMs?: number } = {}) {
  const chunks: string[] = [];
  const out = new Writable({
    highWaterMark: o.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      if (o.delayMs === undefined) cb();
      else setTimeout(cb, o.delayMs);
    },
  });
  return { out, text: () => chunks.join('') };
}

function runBatch(text: string, signer: ChunkSigner, out: Writable, chunkLines?: number, maxInFlight?: number) {
  let shape: IdFileShape | undefined;
  return batchSign(readIdLines(linesOf(text), (s) => (shape = s)), () => shape, signer, out, { chunkLines, maxInFlight });
}

const csvLines = (text: string) => text.split('\n').filter((l) => l !== '').map(parseCsvLine);

const pools: SignPool[] = [];
const signers: BatchSigner[] = [];
const open: CoreContext[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all([...pools.splice(0).map((p) => p.close()), ...signers.splice(0).map((s) => s.close())]);
  for (const c of open.splice(0)) c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function pool(size: number, der: Uint8Array = privateKeyDer(pair.privateKey)): SignPool {
  const p = new SignPool(der, PID, { size });
  pools.push(p);
  return p;
}

/** A station home holding the test key as product PID, key_version 2. */
function keyService(): KeyService {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-pool-'));
  dirs.push(home);
  const ctx = createContext({ env: { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: 'pw' }, actor: 'test' });
  open.push(ctx);
  const keys = new KeyService(ctx);
  keys.import(PID, 2, sec1);
  return keys;
}

describe('SignPool', () => {
  it('signs exactly what signDeviceId signs, in order, and verifies with the public key', async () => {
    const p = pool(2);
    const ids = Array.from({ length: 300 }, (_, i) => `POOL-${i}`);
    const sigs = await p.signChunk(ids);
    expect(sigs).toHaveLength(ids.length);
    ids.forEach((id, i) => {
      expect(sigs[i]).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(verifyDeviceId(pair.publicKey, PID, id, sigs[i])).toBe(true);
    });
    // The message is `<product_id>_<device_id>`: a signature for another product does not verify.
    expect(verifyDeviceId(pair.publicKey, PID + 1, ids[0], sigs[0])).toBe(false);
    expect(verifyDeviceId(pair.publicKey, PID, ids[0], signDeviceId(pair.privateKey, PID, ids[0]))).toBe(true);
    expect(await p.signChunk([])).toEqual([]);
  });

  it('does not touch the caller’s key buffer and copies it for the workers', async () => {
    const der = privateKeyDer(pair.privateKey);
    const copy = Buffer.from(der);
    const p = pool(1, der);
    expect(der.equals(copy)).toBe(true);
    const [sig] = await p.signChunk(['COPY-1']);
    der.fill(0); // the workers hold their own key by now
    expect(verifyDeviceId(pair.publicKey, PID, 'COPY-1', sig)).toBe(true);
    expect(verifyDeviceId(pair.publicKey, PID, 'COPY-2', (await p.signChunk(['COPY-2']))[0])).toBe(true);
  });

  it('sizes itself min(parallelism, 4), at least 1, unless told', () => {
    const n = defaultSignPoolSize();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(4);
    expect(n).toBe(Math.max(1, Math.min(os.availableParallelism(), 4)));
    expect(pool(3).size).toBe(3);
    expect(() => new SignPool(privateKeyDer(pair.privateKey), PID, { size: 0 })).toThrow(RangeError);
  });

  it('close() terminates every worker, rejects chunks in flight and later ones, and is idempotent', async () => {
    const p = pool(2);
    expect(p.liveWorkers).toBe(2);
    const inFlight = p.signChunk(Array.from({ length: 4000 }, (_, i) => `LATE-${i}`));
    const closing = p.close();
    expect(p.close()).toBe(closing);
    await expect(inFlight).rejects.toThrow(/closed/);
    await closing;
    expect(p.closed).toBe(true);
    expect(p.liveWorkers).toBe(0);
    expect(p.pending).toBe(0);
    await expect(p.signChunk(['X'])).rejects.toThrow(/closed/);
  });

  it('rejects, rather than hanging, when a worker cannot start (a key that is not a key)', async () => {
    const p = pool(1, Buffer.from('definitely not a PKCS#8 key'));
    const outcome = await Promise.race([
      p.signChunk(['A']).then(
        () => 'resolved',
        (e: Error) => `rejected: ${e.message}`,
      ),
      new Promise((r) => setTimeout(() => r('hung'), 10_000)),
    ]);
    expect(outcome).toMatch(/^rejected: a signing worker/);
    await expect(p.signChunk(['B'])).rejects.toThrow(/signing worker/);
    // The error names no key bytes.
    expect(outcome).not.toMatch(/definitely/);
  });
});

describe('batchSign through a signing pool', () => {
  it('keeps input order across many chunks and two threads, and every signature verifies', async () => {
    const N = 5000;
    const ids = Array.from({ length: N }, (_, i) => `ORD-${String(i).padStart(5, '0')}`);
    const p = pool(2);
    const s = sink();
    const signer: ChunkSigner = { signChunk: (c) => p.signChunk(c), pool_size: p.size };
    const r = await runBatch('device_id,n\n' + ids.map((id, i) => `${id},${i}`).join('\n') + '\n', signer, s.out, 37);
    expect(r).toEqual({ signed: N, invalid: [] });
    const [header, ...rows] = csvLines(s.text());
    expect(header).toEqual(['device_id', 'signature', 'n']);
    expect(rows.map((x) => x[0])).toEqual(ids);
    expect(rows.map((x) => x[2])).toEqual(ids.map((_, i) => String(i)));
    for (const [id, sig] of rows) expect(verifyDeviceId(pair.publicKey, PID, id, sig)).toBe(true);
  });

  it('writes in input order even when chunks finish out of order, with a bounded number in flight', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    let calls = 0;
    const signer: ChunkSigner = {
      pool_size: 3,
      signChunk: async (chunk) => {
        const n = calls++;
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        // Later chunks often finish first.
        await new Promise((r) => setTimeout(r, [9, 1, 5, 0, 3, 7][n % 6]));
        outstanding--;
        return chunk.map((id) => `sig-${id}`);
      },
    };
    const ids = Array.from({ length: 1000 }, (_, i) => `OOO-${i}`);
    const s = sink({ highWaterMark: 512, delayMs: 0 });
    const r = await runBatch(ids.join('\n'), signer, s.out, 16);
    expect(r.signed).toBe(1000);
    expect(maxOutstanding).toBeGreaterThan(1);
    expect(maxOutstanding).toBeLessThanOrEqual(6); // 2 × pool_size
    expect(csvLines(s.text()).slice(1)).toEqual(ids.map((id) => [id, `sig-${id}`]));
  });

  it('reports invalid ids with their lines and never sends them to the pool', async () => {
    const sent: string[] = [];
    const p = pool(2);
    const signer: ChunkSigner = {
      pool_size: 2,
      signChunk: (c) => {
        sent.push(...c);
        return p.signChunk(c);
      },
    };
    const s = sink();
    const r = await runBatch('device_id,sn\nOK-1,a\nbad id,b\n\n中文,c\n,d\nOK-2,e\n', signer, s.out, 1);
    expect(r.signed).toBe(2);
    expect(r.invalid.map((i) => [i.line, i.device_id])).toEqual([
      [3, 'bad id'],
      [5, '中文'],
      [6, ''],
    ]);
    expect(sent).toEqual(['OK-1', 'OK-2']);
    const rows = csvLines(s.text());
    expect(rows.map((x) => [x[0], x[2]])).toEqual([
      ['device_id', 'sn'],
      ['OK-1', 'a'],
      ['OK-2', 'e'],
    ]);
    for (const [id, sig] of rows.slice(1)) expect(verifyDeviceId(pair.publicKey, PID, id, sig)).toBe(true);
  });

  it('rejects when a chunk fails to sign, without unhandled rejections from the others', async () => {
    let n = 0;
    const signer: ChunkSigner = {
      pool_size: 2,
      signChunk: async (chunk) => {
        const k = n++;
        await new Promise((r) => setTimeout(r, 2));
        if (k >= 2) throw new Error(`chunk ${k} failed`);
        return chunk.map(() => 'sig');
      },
    };
    const s = sink();
    await expect(runBatch(Array.from({ length: 200 }, (_, i) => `F${i}`).join('\n'), signer, s.out, 10)).rejects.toThrow(/chunk 2 failed/);
    // Give the other failed chunks time to reject: vitest fails the run on an unhandled one.
    await new Promise((r) => setTimeout(r, 20));
  });
});

describe('KeyService.batchSigner', () => {
  it('signs with the product key on a pool, and withBatchSigner closes it after success', async () => {
    const keys = keyService();
    let seen: BatchSigner | undefined;
    const s = sink();
    const ids = Array.from({ length: 1500 }, (_, i) => `KS-${i}`);
    const r = await keys.withBatchSigner(
      PID,
      undefined,
      async (signer) => {
        seen = signer;
        expect(signer).toMatchObject({ product_id: PID, key_version: 2, pool_size: 2 });
        expect(signer.liveWorkers).toBe(2);
        return runBatch(ids.join('\n') + '\n', signer, s.out, 64);
      },
      { size: 2 },
    );
    expect(r).toEqual({ signed: ids.length, invalid: [] });
    const rows = csvLines(s.text()).slice(1);
    expect(rows.map((x) => x[0])).toEqual(ids);
    for (const [id, sig] of rows.filter((_, i) => i % 7 === 0)) expect(keys.verify(PID, id, sig)).toEqual({ valid: true, key_version: 2 });
    expect(seen!.closed).toBe(true);
    expect(seen!.liveWorkers).toBe(0);
  });

  it('closes the pool when the output fails mid-batch, and the batch rejects', async () => {
    const keys = keyService();
    let seen: BatchSigner | undefined;
    let writes = 0;
    const out = new Writable({
      highWaterMark: 1 << 20,
      write(_c, _e, cb) {
        if (++writes === 3) setTimeout(() => cb(new Error('EIO: disk failed')), 1);
        else cb();
      },
    });
    out.on('error', () => {});
    const ids = Array.from({ length: 3000 }, (_, i) => `EIO-${i}`).join('\n');
    const outcome = await Promise.race([
      keys
        .withBatchSigner(
          PID,
          2,
          (signer) => {
            seen = signer;
            return runBatch(ids, signer, out, 32);
          },
          { size: 2 },
        )
        .then(
          () => 'resolved',
          (e: Error) => `rejected: ${e.message}`,
        ),
      new Promise((r) => setTimeout(() => r('hung'), 10_000)),
    ]);
    expect(outcome).toMatch(/^rejected: .*EIO/);
    expect(seen!.closed).toBe(true);
    expect(seen!.liveWorkers).toBe(0);
  });

  it('closes the pool when the batch throws before signing anything', async () => {
    const keys = keyService();
    let seen: BatchSigner | undefined;
    await expect(
      keys.withBatchSigner(PID, undefined, async (signer) => {
        seen = signer;
        throw new Error('no such file');
      }),
    ).rejects.toThrow('no such file');
    expect(seen!.pool_size).toBe(defaultSignPoolSize());
    expect(seen!.liveWorkers).toBe(0);
  });

  it('refuses an invalid id in a chunk, and unknown keys before any worker starts', async () => {
    const keys = keyService();
    const signer = keys.batchSigner(PID, undefined, { size: 1 });
    signers.push(signer);
    await expect(signer.signChunk(['GOOD', 'bad id'])).rejects.toMatchObject({ code: 'INPUT_BAD_DEVICE_ID' });
    const [sig] = await signer.signChunk(['GOOD']);
    expect(keys.verify(PID, 'GOOD', sig).valid).toBe(true);
    expect(() => keys.batchSigner(PID + 1)).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }));
    expect(() => keys.batchSigner(PID, 9)).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }));
  });
});
