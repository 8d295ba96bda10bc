import type { Writable } from 'node:stream';
import { csvRow } from '../ids/csv.js';
import type { IdFileShape, IdRow } from '../ids/id-file.js';
import { deviceIdProblem } from '../ids/validate.js';

export interface BatchSignSummary {
  signed: number;
  invalid: { line: number; device_id: string; reason: string }[];
}

/**
 * Streams `device_id,signature` CSV (plus any extra columns the input carried) for an id
 * file of any size. Output is written in chunks and waits for the consumer to drain, so a
 * million ids run in constant memory. Invalid ids are reported with their line, not signed.
 */
export async function batchSign(
  rows: AsyncIterable<IdRow>,
  shape: () => IdFileShape | undefined,
  sign: (deviceId: string) => string,
  out: Writable,
  chunkLines = 512,
): Promise<BatchSignSummary> {
  const summary: BatchSignSummary = { signed: 0, invalid: [] };
  let buf: string[] = [];
  let headerDone = false;
  let extra: string[] = [];
  const flush = async () => {
    if (buf.length === 0) return;
    if (out.errored) throw out.errored;
    const ok = out.write(buf.join(''));
    buf = [];
    if (!ok) await drained(out);
  };
  for await (const row of rows) {
    if (!headerDone) {
      extra = shape()?.extraColumns ?? [];
      buf.push(csvRow(['device_id', 'signature', ...extra]) + '\n');
      headerDone = true;
    }
    const problem = deviceIdProblem(row.device_id);
    if (problem) {
      summary.invalid.push({ line: row.line, device_id: row.device_id, reason: problem });
      continue;
    }
    buf.push(csvRow([row.device_id, sign(row.device_id), ...extra.map((c) => row.extra[c])]) + '\n');
    summary.signed++;
    if (buf.length >= chunkLines) await flush();
  }
  if (!headerDone) buf.push('device_id,signature\n');
  await flush();
  return summary;
}

/**
 * Resolves on 'drain'; rejects when the stream has failed or closes first. A stream that
 * errored between two writes has already emitted 'error' and will never emit 'drain', so
 * waiting on 'drain' alone (events.once) would hang the batch forever.
 */
function drained(out: Writable): Promise<void> {
  if (out.errored) return Promise.reject(out.errored);
  if (out.destroyed) return Promise.reject(new Error('the output stream was closed before the batch finished'));
  return new Promise((resolve, reject) => {
    const settle = (err?: Error | null) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (e: Error) => settle(e);
    const onClose = () => settle(out.errored ?? new Error('the output stream was closed before the batch finished'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
