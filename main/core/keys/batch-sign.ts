import type { Writable } from 'node:stream';
import { once } from 'node:events';
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
    const ok = out.write(buf.join(''));
    buf = [];
    if (!ok) await once(out, 'drain');
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
