import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { ensurePrivateDir } from '../config/private-files.js';
import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { exportRecords, type RecordFilter } from '../registry/records.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time, sortable and safe in a file name on every OS: 20261128-142233-017. */
export function fileStamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}-${pad(d.getMilliseconds(), 3)}`;
}

/**
 * The ledger as CSV (Excel/WPS-ready: BOM, quoted, CRLF) in `<dataDir>/exports/`. Written to a
 * temporary name and renamed when complete, so a half-written export never looks finished.
 */
export async function exportToFile(db: Db, dataDir: string, filter: RecordFilter, now: Date): Promise<{ rows: number; file: string }> {
  const dir = path.join(dataDir, 'exports');
  // Owner-only like the rest of the data dir: an export is the whole production record.
  ensurePrivateDir(dir);
  let file = path.join(dir, `records-${fileStamp(now)}.csv`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(dir, `records-${fileStamp(now)}-${i}.csv`);
  const tmp = `${file}.partial`;
  const out = fs.createWriteStream(tmp, { mode: 0o600 });
  // Errors surface through writeAll and finished(); without a listener one would crash the process.
  out.on('error', () => {});
  try {
    const rows = await exportRecords(db, filter, 'csv', out);
    out.end();
    await finished(out);
    fs.renameSync(tmp, file);
    return { rows, file };
  } catch (e) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    if (e instanceof WxError) throw e;
    throw new WxError('STORE_FAILED', { detail: `${file}: ${(e as Error).message}` }, { cause: e });
  }
}
