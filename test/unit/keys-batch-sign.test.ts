import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../main/core/ids/csv.js';
import { readIdLines, type IdFileShape } from '../../main/core/ids/id-file.js';
import { batchSign, type BatchSignSummary } from '../../main/core/keys/batch-sign.js';
import { generateKeyPair, signDeviceId, verifyDeviceId } from '../../main/core/keys/ecdsa.js';

const PID = 424242;
const pair = generateKeyPair();
const sign = (id: string) => signDeviceId(pair.privateKey, PID, id);

async function* linesOf(text: string): AsyncGenerator<string> {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (const p of parts) yield p;
}

/** A Writable that collects everything; optionally slow and with a small buffer. */
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
  return { out, text: () => chunks.join(''), writes: () => chunks.length };
}

async function run(text: string, out: Writable, chunkLines?: number): Promise<BatchSignSummary> {
  let shape: IdFileShape | undefined;
  const rows = readIdLines(linesOf(text), (s) => (shape = s));
  return batchSign(rows, () => shape, sign, out, chunkLines);
}

const csvLines = (text: string) => text.split('\n').filter((l) => l !== '').map(parseCsvLine);

describe('batchSign', () => {
  it('writes device_id,signature plus the extra CSV columns, one verified row per valid id', async () => {
    const s = sink();
    const r = await run('sn,device_id,note\nS1,DEV-1,"a, b"\nS2,DEV-2,\nS3,DEV_3,"say ""x"""\n', s.out);
    expect(r).toEqual({ signed: 3, invalid: [] });
    const [header, ...rows] = csvLines(s.text());
    expect(header).toEqual(['device_id', 'signature', 'sn', 'note']);
    expect(rows.map((r) => [r[0], r[2], r[3]])).toEqual([
      ['DEV-1', 'S1', 'a, b'],
      ['DEV-2', 'S2', ''],
      ['DEV_3', 'S3', 'say "x"'],
    ]);
    for (const row of rows) {
      expect(row).toHaveLength(4);
      expect(row[1]).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(verifyDeviceId(pair.publicKey, PID, row[0], row[1])).toBe(true);
    }
  });

  it('writes just device_id,signature for a plain id list', async () => {
    const s = sink();
    const r = await run('A1\nA2\n', s.out);
    expect(r.signed).toBe(2);
    const [header, ...rows] = csvLines(s.text());
    expect(header).toEqual(['device_id', 'signature']);
    expect(rows.map((x) => x[0])).toEqual(['A1', 'A2']);
    for (const [id, sig] of rows) expect(verifyDeviceId(pair.publicKey, PID, id, sig)).toBe(true);
  });

  it('reports invalid ids with their file line numbers and signs none of them', async () => {
    const long = 'x'.repeat(129);
    const s = sink();
    const r = await run(`device_id,sn\nOK-1,a\nbad id,b\n\n中文,c\n,d\n${long},e\nOK-2,f\n`, s.out);
    expect(r.signed).toBe(2);
    expect(r.invalid.map((i) => [i.line, i.device_id])).toEqual([
      [3, 'bad id'],
      [5, '中文'],
      [6, ''],
      [7, long],
    ]);
    for (const i of r.invalid) expect(i.reason).toBeTypeOf('string');
    const ids = csvLines(s.text()).slice(1).map((x) => x[0]);
    expect(ids).toEqual(['OK-1', 'OK-2']);
  });

  it('writes only the header for an input with no ids', async () => {
    const s = sink();
    expect(await run('', s.out)).toEqual({ signed: 0, invalid: [] });
    expect(s.text()).toBe('device_id,signature\n');
  });

  it('waits for drain: never writes while the stream is over its highWaterMark, and loses nothing', async () => {
    const N = 2000;
    const ids = Array.from({ length: N }, (_, i) => `ID-${i}`);
    const s = sink({ highWaterMark: 256, delayMs: 1 });
    let awaitingDrain = false;
    let writesWhileFull = 0;
    let refused = 0;
    let maxBuffered = 0;
    const write = s.out.write.bind(s.out) as (chunk: string) => boolean;
    (s.out as unknown as { write: (chunk: string) => boolean }).write = (chunk: string) => {
      if (awaitingDrain) writesWhileFull++;
      const ok = write(chunk);
      maxBuffered = Math.max(maxBuffered, s.out.writableLength);
      if (!ok) {
        refused++;
        awaitingDrain = true;
      }
      return ok;
    };
    s.out.on('drain', () => (awaitingDrain = false));

    const r = await run(ids.join('\n') + '\n', s.out, 16);
    await new Promise<void>((resolve) => s.out.end(resolve));

    expect(r.signed).toBe(N);
    expect(refused).toBeGreaterThan(10);
    expect(writesWhileFull).toBe(0);
    // Never more than one chunk (16 rows of ~110 bytes) beyond the mark.
    expect(maxBuffered).toBeLessThan(256 + 16 * 120);
    const rows = csvLines(s.text()).slice(1);
    expect(rows.map((x) => x[0])).toEqual(ids);
    for (const [id, sig] of rows.filter((_, i) => i % 97 === 0)) expect(verifyDeviceId(pair.publicKey, PID, id, sig)).toBe(true);
  });

  it('writes in chunks, not a line at a time', async () => {
    const s = sink();
    await run(Array.from({ length: 1000 }, (_, i) => `C${i}`).join('\n'), s.out, 100);
    expect(s.writes()).toBeLessThanOrEqual(11);
    expect(csvLines(s.text())).toHaveLength(1001);
  });

  it('rejects, rather than hanging, when the output fails while it waits or writes', async () => {
    // The stream fails on its second chunk, after the first write was accepted: batchSign
    // must surface the error instead of waiting for a 'drain' that never comes.
    let n = 0;
    const out = new Writable({
      highWaterMark: 1 << 20,
      write(_c, _e, cb) {
        n++;
        if (n === 2) setTimeout(() => cb(new Error('EIO: disk failed')), 1);
        else cb();
      },
    });
    out.on('error', () => {});
    async function* slowIds() {
      for (let i = 0; i < 3000; i++) {
        if (i % 100 === 0) await new Promise((r) => setTimeout(r, 2));
        yield `ID${i}`;
      }
    }
    const outcome = await Promise.race([
      batchSign(readIdLines(slowIds()), () => undefined, sign, out, 16).then(
        () => 'resolved',
        (e: Error) => `rejected: ${e.message}`,
      ),
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(outcome).toMatch(/^rejected: .*EIO/);
  });

  it('rejects when the output is closed while it waits for drain', async () => {
    // A consumer that never acknowledges a write, then goes away (e.g. the reader of a pipe).
    const out = new Writable({ highWaterMark: 16, write() {} });
    const ids = Array.from({ length: 100 }, (_, i) => `ID${i}`).join('\n');
    const pending = run(ids, out, 4).then(
      () => 'resolved',
      (e: Error) => `rejected: ${e.message}`,
    );
    setTimeout(() => out.destroy(), 20);
    expect(await Promise.race([pending, new Promise((r) => setTimeout(() => r('hung'), 5000))])).toMatch(/^rejected: .*closed/);
  });
});
