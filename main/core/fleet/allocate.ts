import crypto from 'node:crypto';
import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import type { DeviceRow } from '../registry/device-store.js';
import type { Registry } from '../registry/registry.js';
import { renderTemplate } from '../registry/template.js';
import { BlockStore } from './blocks.js';
import type { FleetLine } from './line.js';

export interface FleetAllocation {
  product_id: number;
  station_code: string;
  fleet: FleetLine;
  hwid: string;
  port: string;
  /** A given id (engineer), signed online. */
  device_id?: string;
  /** The scanned barcode, for {sn}. */
  sn?: string;
  signal?: AbortSignal;
}

const REUSABLE = new Set(['allocated', 'failed', 'written']);

/**
 * A fleet station's allocation (the write-ahead step before WRITE; provision.ts): the id this
 * hwid already holds, else the next unused pre-signed id of the product taken from a block in
 * the transaction that writes its ledger row, else — for ids only the unit can give ({sn},
 * {hwid}, a given id) — an id signed online by the server, which reserves it fleet-wide first
 * (DEVICE_ID_TAKEN, FLEET_OFFLINE: nothing written, the unit untouched). The station mints and
 * signs nothing and queues no registration: the server queued each id when it minted or
 * signed it. When half a block is used, a refill is asked for (not awaited).
 */
export async function allocateFromFleet(ctx: CoreContext, registry: Registry, a: FleetAllocation): Promise<DeviceRow> {
  const devices = registry.devices;
  const bound = devices.boundToHwid(a.product_id, a.hwid);
  if (bound && REUSABLE.has(bound.status) && bound.signature && bound.key_version !== null) {
    if (a.device_id !== undefined && a.device_id !== bound.device_id) throw new WxError('DEVICE_ID_DUPLICATE', { device_id: bound.device_id, product_id: a.product_id });
    return ctx.db
      .transaction(() => {
        devices.update(bound.id, { status: 'allocated', port: a.port, operator: ctx.actor, last_error: null }, ctx.now().toISOString());
        return devices.byRow(bound.id)!;
      })
      .immediate();
  }
  const row = a.device_id !== undefined || !a.fleet.blockable ? await signedOnline(ctx, registry, a) : fromBlock(ctx, registry, a);
  if (a.fleet.blockable && new BlockStore(ctx.db).unused(a.product_id) <= a.fleet.lowWater) a.fleet.onLow();
  return row;
}

function fromBlock(ctx: CoreContext, registry: Registry, a: FleetAllocation): DeviceRow {
  const blocks = new BlockStore(ctx.db);
  return ctx.db
    .transaction(() => {
      // A data dir copied to another computer holds the same unused ids: neither uses them until a person confirms.
      if (registry.settings.stationBinding() === 'moved') throw new WxError('STATION_MACHINE_CHANGED', { station_code: a.station_code });
      const at = ctx.now().toISOString();
      for (;;) {
        const next = blocks.next(a.product_id);
        if (!next) throw new WxError('FLEET_NO_IDS', { product_id: a.product_id, detail: 'every pre-signed id is used' });
        const id = registry.devices.insert({
          product_id: a.product_id,
          device_id: next.device_id,
          key_version: next.key_version,
          signature: next.signature,
          hwid: a.hwid,
          sn: a.sn ?? null,
          extra: null,
          status: 'allocated',
          station: a.station_code,
          operator: ctx.actor,
          port: a.port,
          created_at: at,
        });
        // Already in the ledger (it reached this station another way): never offered again.
        if (id === undefined) {
          blocks.spoil(next.id);
          continue;
        }
        blocks.use(next.id, id, at);
        return registry.devices.byRow(id)!;
      }
    })
    .immediate();
}

async function signedOnline(ctx: CoreContext, registry: Registry, a: FleetAllocation): Promise<DeviceRow> {
  const t = a.fleet.template;
  const seq = a.device_id === undefined && t.seqDigits !== undefined ? peekSeq(ctx, a.product_id, a.station_code) : undefined;
  const deviceId = a.device_id ?? renderTemplate(t, { station: a.station_code, date: ctx.now(), hwid: a.hwid, sn: a.sn, seq });
  if (registry.devices.get(a.product_id, deviceId)) throw new WxError('DEVICE_ID_DUPLICATE', { device_id: deviceId, product_id: a.product_id });
  // The same unit asking for the same id again (a retry after a kill) gets the same answer.
  const requestId = crypto.createHash('sha256').update(`${a.station_code}\n${a.product_id}\n${deviceId}\n${a.hwid}`).digest('hex').slice(0, 32);
  const signed = await a.fleet.session.run((c) =>
    c.sign({ product_id: a.product_id, device_id: deviceId, hwid: a.hwid, ...(a.sn ? { sn: a.sn } : {}), request_id: requestId }, { signal: a.signal }),
  );
  if (signed.device_id !== deviceId) throw new WxError('FLEET_BAD_RESPONSE', { detail: `asked to sign ${deviceId}, got ${signed.device_id}` });
  return ctx.db
    .transaction(() => {
      const row = registry.allocator.allocate({
        product_id: a.product_id,
        station: a.station_code,
        operator: ctx.actor,
        at: ctx.now(),
        hwid: a.hwid,
        sn: a.sn,
        port: a.port,
        device_id: deviceId,
        key_version: signed.key_version,
        signature: signed.signature,
      });
      if (seq !== undefined) ctx.db.prepare('UPDATE id_sequences SET next_seq = MAX(next_seq, ?) WHERE product_id = ? AND station = ?').run(seq + 1, a.product_id, a.station_code);
      return row;
    })
    .immediate();
}

/** The station's next sequence number for a template with {seq} beside {sn}/{hwid} (bumped when the id is written). */
function peekSeq(ctx: CoreContext, productId: number, station: string): number {
  ctx.db.prepare('INSERT INTO id_sequences (product_id, station, next_seq) VALUES (?, ?, 1) ON CONFLICT DO NOTHING').run(productId, station);
  return ctx.db.prepare('SELECT next_seq FROM id_sequences WHERE product_id = ? AND station = ?').pluck().get(productId, station) as number;
}
