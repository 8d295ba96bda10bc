import { WxError } from '../../errors/wx-error.js';
import { readIdFile, type IdRow } from '../../ids/id-file.js';
import { Registry } from '../../registry/registry.js';
import { searchDevices } from '../../registry/search.js';
import type { DeviceStatus } from '../../registry/device-store.js';
import { optInt, optStr, productId } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { runSync } from './sync.js';

const ADD_USAGE = 'wxprov devices add --product <id> (<ids>... | --file <csv>) [--now] [--json]';

export const devicesAddCommand: Command = {
  path: ['devices', 'add'],
  usage: ADD_USAGE,
  summary: 'Queue device ids for registration (adddevice); works offline, --now syncs right after',
  options: { ...JSON_OPT, product: { type: 'string' }, file: { type: 'string' }, now: { type: 'boolean' } },
  positionals: true,
  async run(v, ids, io) {
    const pid = productId(v, ADD_USAGE);
    const file = optStr(v, 'file');
    if (file === undefined && ids.length === 0) throw new WxError('INPUT_MISSING', { field: '<ids> or --file', usage: ADD_USAGE });
    if (file !== undefined && ids.length > 0) throw new WxError('INPUT_INVALID', { field: '<ids> and --file', detail: 'both given', allowed: 'one of them' });
    const rows: AsyncIterable<IdRow> | IdRow[] = file !== undefined ? readIdFile(file) : ids.map((id, i) => ({ line: i + 1, device_id: id, extra: {} }));
    const ctx = io.context();
    const summary = await new Registry(ctx).add(pid, rows);
    const refused = summary.duplicates.length + summary.invalid.length;
    let sync;
    if (v.now) sync = await runSync(io, v);
    if (v.json) printJson(io.stdout, sync ? { ...summary, sync } : summary);
    else {
      io.stdout.write(`queued ${summary.queued}, duplicates ${summary.duplicates.length}, invalid ${summary.invalid.length}\n`);
      const where = file === undefined ? 'argument' : 'line';
      for (const r of [...summary.invalid, ...summary.duplicates].sort((a, b) => a.line - b.line).slice(0, 50)) {
        io.stdout.write(`  ${where} ${r.line}: ${JSON.stringify(r.device_id)} — ${r.reason}\n`);
      }
      if (refused > 50) io.stdout.write(`  ... and ${refused - 50} more (use --json for all)\n`);
      if (sync) io.stdout.write(`synced ${sync.synced}, failed ${sync.failed}, pending ${sync.pending}, calls ${sync.calls}\n`);
    }
    return refused > 0 || sync?.error ? 1 : 0;
  },
};

const ALLOC_USAGE = 'wxprov devices allocate --product <id> --count <n> [--json]';

export const devicesAllocateCommand: Command = {
  path: ['devices', 'allocate'],
  usage: ALLOC_USAGE,
  summary: "Mint ids from the product's template (needs station_code) and queue them",
  options: { ...JSON_OPT, product: { type: 'string' }, count: { type: 'string' } },
  async run(v, _p, io) {
    const pid = productId(v, ALLOC_USAGE);
    const count = optInt(v, 'count', 1, 1_000_000);
    if (count === undefined) throw new WxError('INPUT_MISSING', { field: '--count', usage: ALLOC_USAGE });
    const ids: string[] = [];
    let first: string | undefined;
    let last: string | undefined;
    const n = new Registry(io.context()).allocateMany(pid, count, (d) => {
      first ??= d.device_id;
      last = d.device_id;
      if (!v.json) ids.push(d.device_id);
      if (ids.length >= 1000) io.stdout.write(ids.splice(0).join('\n') + '\n');
    });
    if (v.json) printJson(io.stdout, { allocated: n, first, last });
    else if (ids.length) io.stdout.write(ids.join('\n') + '\n');
  },
};

const SEARCH_USAGE = 'wxprov devices search [--product <id>] [--device-id <d>|<prefix*>] [--hwid <h>] [--status <s>] [--from <date>] [--to <date>] [--limit <n>] [--cursor <c>] [--json]';

export const devicesSearchCommand: Command = {
  path: ['devices', 'search'],
  usage: SEARCH_USAGE,
  summary: 'Search the ledger, newest first, a page at a time',
  options: {
    ...JSON_OPT,
    product: { type: 'string' },
    'device-id': { type: 'string' },
    hwid: { type: 'string' },
    status: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  },
  async run(v, _p, io) {
    const page = searchDevices(io.context().db, {
      product_id: v.product === undefined ? undefined : productId(v, SEARCH_USAGE),
      device_id: optStr(v, 'device-id'),
      hwid: optStr(v, 'hwid'),
      status: optStr(v, 'status') as DeviceStatus | undefined,
      from: optStr(v, 'from'),
      to: optStr(v, 'to'),
      limit: optInt(v, 'limit', 1, 500),
      cursor: optStr(v, 'cursor'),
    });
    if (v.json) return void printJson(io.stdout, page);
    printTable(
      io.stdout,
      ['device_id', 'product', 'status', 'hwid', 'station', 'port', 'created', 'synced'],
      page.rows.map((d) => [d.device_id, d.product_id, d.status, d.hwid, d.station, d.port, d.created_at.slice(0, 19), d.synced_at?.slice(0, 19)]),
    );
    if (page.next) io.stdout.write(`more: --cursor ${page.next}\n`);
  },
};
