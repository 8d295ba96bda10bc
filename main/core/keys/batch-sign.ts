import type { Writable } from 'node:stream';
import { csvField, csvSafeRow } from '../ids/csv.js';
import type { IdFileShape, IdRow } from '../ids/id-file.js';
import { DEVICE_ID_RE, deviceIdProblem } from '../ids/validate.js';
import { writeAll } from '../util/write-all.js';

export interface BatchSignSummary {
  signed: number;
  invalid: { line: number; device_id: string; reason: string }[];
}

/** Signs one id in this thread (e.g. Signer.sign, or signDeviceId with a key bound). */
export type SignOne = (deviceId: string) => string;

/**
 * Signs a chunk of ids somewhere else (KeyService.batchSigner: a worker pool) and answers
 * with their signatures in the same order.
 */
export interface ChunkSigner {
  signChunk(ids: string[]): Promise<string[]>;
  /** Threads behind signChunk; batchSign keeps 2 × this many chunks in flight by default. */
  pool_size?: number;
}

export interface BatchSignOptions {
  /** Ids per chunk: per signChunk call and per write. Default 512. */
  chunkLines?: number;
  /** Chunks signed ahead of the writer. Default 2 × pool_size for a ChunkSigner, 1 for a SignOne. */
  maxInFlight?: number;
}

interface Chunk {
  ids: string[];
  /** `,<extra columns>` per row, or undefined when the input has none. */
  tails: string[] | undefined;
  sigs: Promise<string[]>;
}

/** Why an id is refused, or undefined; the regex is the fast path for the ids that are fine. */
const idProblem = (id: string): string | undefined => (DEVICE_ID_RE.test(id) ? undefined : deviceIdProblem(id));

/**
 * Streams `device_id,signature` CSV (plus any extra columns the input carried, decoded, with
 * formula-like cells neutralised) as UTF-8 for an id file of any size, one row per valid id,
 * in input order. Invalid ids are reported with their line, not signed.
 *
 * Ids go to `signer` in chunks of `chunkLines`; with a ChunkSigner (a worker pool) up to
 * `maxInFlight` chunks are being signed while the writer waits for the oldest, so the pool
 * stays busy and the output stays in order. Every write waits for the consumer to drain, and
 * nothing is read ahead beyond the chunks in flight, so a million ids run in constant memory.
 * Rejects when the output fails or closes, or when signing fails; the caller owns the
 * signer and closes it either way.
 */
export async function batchSign(
  rows: AsyncIterable<IdRow>,
  shape: () => IdFileShape | undefined,
  signer: SignOne | ChunkSigner,
  out: Writable,
  options: number | BatchSignOptions = {},
): Promise<BatchSignSummary> {
  const o: BatchSignOptions = typeof options === 'number' ? { chunkLines: options } : options;
  const chunkLines = Math.max(1, o.chunkLines ?? 512);
  let signChunk: (ids: string[]) => Promise<string[]>;
  let maxInFlight: number;
  if (typeof signer === 'function') {
    // In this thread: sign as the chunk is cut (a throw rejects the batch), nothing ahead.
    signChunk = (ids) => Promise.resolve(ids.map((id) => signer(id)));
    maxInFlight = 1;
  } else {
    signChunk = (ids) => signer.signChunk(ids);
    maxInFlight = o.maxInFlight ?? 2 * Math.max(1, signer.pool_size ?? 1);
  }
  maxInFlight = Math.max(1, maxInFlight);

  const summary: BatchSignSummary = { signed: 0, invalid: [] };
  const inFlight: Chunk[] = [];
  let header: string | undefined;
  let headerDone = false;
  let extra: string[] = [];
  let ids: string[] = [];
  let tails: string[] | undefined;

  const dispatch = () => {
    if (ids.length === 0) return;
    let sigs: Promise<string[]>;
    try {
      sigs = signChunk(ids);
    } catch (e) {
      sigs = Promise.reject(e);
    }
    // The batch may fail before this chunk's turn; its rejection is then nobody's business.
    sigs.catch(() => {});
    inFlight.push({ ids, tails, sigs });
    ids = [];
    tails = extra.length ? [] : undefined;
  };

  const write = (text: string) => writeAll(out, text);

  /** Waits for the oldest chunk in flight and writes its rows. */
  const writeOldest = async () => {
    const c = inFlight.shift()!;
    const sigs = await c.sigs;
    if (sigs.length !== c.ids.length) throw new Error(`the signer answered ${sigs.length} signatures for ${c.ids.length} ids`);
    let text = header ?? '';
    header = undefined;
    // A valid device id never needs quoting; the extra columns were quoted when read. The id
    // and signature are the payload a flashing tool writes to the unit, so they stay exact (an
    // apostrophe would flash a different id); neither can hold a function call: the id is
    // [0-9A-Za-z_-] and the signature is base64 of DER, which starts with "M".
    for (let i = 0; i < c.ids.length; i++) text += `${c.ids[i]},${csvField(sigs[i])}${c.tails ? c.tails[i] : ''}\n`;
    await write(text);
    summary.signed += c.ids.length;
  };

  for await (const row of rows) {
    if (!headerDone) {
      extra = shape()?.extraColumns ?? [];
      header = csvSafeRow(['device_id', 'signature', ...extra]) + '\n';
      tails = extra.length ? [] : undefined;
      headerDone = true;
    }
    const problem = idProblem(row.device_id);
    if (problem) {
      summary.invalid.push({ line: row.line, device_id: row.device_id, reason: problem });
      continue;
    }
    ids.push(row.device_id);
    if (tails) tails.push(',' + csvSafeRow(extra.map((c) => row.extra[c])));
    if (ids.length >= chunkLines) {
      dispatch();
      while (inFlight.length >= maxInFlight) await writeOldest();
    }
  }
  dispatch();
  while (inFlight.length > 0) await writeOldest();
  if (!headerDone) header = 'device_id,signature\n';
  if (header !== undefined) await write(header);
  return summary;
}
