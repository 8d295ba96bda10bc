import { WxError } from '../../errors/wx-error.js';
import { exportRecords } from '../../registry/records.js';
import { optStr, productId } from '../args.js';
import type { Command } from '../command.js';

const USAGE = 'wxprov records [--product <id>] [--since <date>] [--format csv|json]';

/** A date (2026-11-28) or timestamp (2026-11-28T08:00:00Z) as the ISO text stored in the ledger. */
export function parseSince(raw: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00` : raw);
  if (Number.isNaN(d.getTime())) throw new WxError('INPUT_INVALID', { field: '--since', detail: raw, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
  return d.toISOString();
}

export const recordsCommand: Command = {
  path: ['records'],
  usage: USAGE,
  summary: 'Stream the ledger as CSV (UTF-8 BOM, quoted: opens in Excel/WPS) or a JSON array',
  options: { product: { type: 'string' }, since: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean' } },
  async run(v, _p, io) {
    const format = optStr(v, 'format') ?? (v.json ? 'json' : 'csv');
    if (format !== 'csv' && format !== 'json') throw new WxError('INPUT_INVALID', { field: '--format', detail: format, allowed: 'csv | json' });
    const since = optStr(v, 'since');
    await exportRecords(
      io.context().db,
      { product_id: v.product === undefined ? undefined : productId(v, USAGE), since: since === undefined ? undefined : parseSince(since) },
      format,
      io.stdout,
    );
  },
};
