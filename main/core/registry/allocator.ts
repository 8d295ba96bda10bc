import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { DeviceStore, type DeviceRow, type DeviceStatus } from './device-store.js';
import { Settings } from './settings.js';
import { DEFAULT_TEMPLATE, parseTemplate, renderTemplate, type Template } from './template.js';

export interface AllocateRequest {
  product_id: number;
  station: string;
  operator: string;
  at: Date;
  hwid?: string;
  sn?: string;
  port?: string;
  /** An id chosen by hand (engineer) instead of the template. */
  device_id?: string;
  key_version?: number | null;
  signature?: string | null;
  status?: DeviceStatus;
  extra?: Record<string, string>;
  /** Queue for adddevice in the same transaction (bulk allocation does; the station queues on PASS). */
  queue?: boolean;
}

/** How many taken ids to step over before giving up (ids added by hand can sit on the sequence). */
const MAX_SKIPS = 10_000;

/**
 * Mints device ids from the product's template and writes them to the ledger in one
 * transaction with the sequence bump: a crash can leave a gap in the sequence, never an id
 * handed out twice, and never a device without its row.
 */
export class Allocator {
  private readonly devices: DeviceStore;
  private readonly settings: Settings;

  constructor(private readonly db: Db) {
    this.devices = new DeviceStore(db);
    this.settings = new Settings(db);
  }

  template(productId: number): Template {
    const row = this.db.prepare('SELECT id_template FROM products WHERE product_id = ?').get(productId) as { id_template: string | null } | undefined;
    return parseTemplate(row?.id_template ?? DEFAULT_TEMPLATE);
  }

  /** Allocate one id. Must run inside the caller's transaction when the caller has more to write. */
  allocate(req: AllocateRequest, template: Template = this.template(req.product_id)): DeviceRow {
    const run = () => {
      // A data dir copied from another computer carries its station code and sequences: both
      // computers would mint the same ids. Nothing is minted from the template until the code
      // is confirmed here. An id given by hand takes nothing from a sequence, so it passes.
      if (req.device_id === undefined && this.settings.stationBinding() === 'moved') {
        throw new WxError('STATION_MACHINE_CHANGED', { station_code: this.settings.get('station_code') });
      }
      const at = req.at.toISOString();
      const base = {
        product_id: req.product_id,
        key_version: req.key_version ?? null,
        signature: req.signature ?? null,
        hwid: req.hwid ?? null,
        sn: req.sn ?? null,
        extra: req.extra && Object.keys(req.extra).length ? JSON.stringify(req.extra) : null,
        status: req.status ?? 'allocated',
        station: req.station,
        operator: req.operator,
        port: req.port ?? null,
        created_at: at,
      };
      let rowId: number | undefined;
      let deviceId: string;
      if (req.device_id !== undefined) {
        deviceId = req.device_id;
        rowId = this.devices.insert({ ...base, device_id: deviceId });
        if (rowId === undefined) throw new WxError('DEVICE_ID_DUPLICATE', { device_id: deviceId, product_id: req.product_id });
      } else if (template.seqDigits === undefined) {
        deviceId = renderTemplate(template, { station: req.station, date: req.at, hwid: req.hwid, sn: req.sn });
        rowId = this.devices.insert({ ...base, device_id: deviceId });
        if (rowId === undefined) throw new WxError('DEVICE_ID_DUPLICATE', { device_id: deviceId, product_id: req.product_id });
      } else {
        let seq = this.nextSeq(req.product_id, req.station);
        for (let skips = 0; ; skips++) {
          deviceId = renderTemplate(template, { station: req.station, date: req.at, hwid: req.hwid, sn: req.sn, seq });
          rowId = this.devices.insert({ ...base, device_id: deviceId });
          seq++;
          if (rowId !== undefined) break;
          if (skips >= MAX_SKIPS) throw new WxError('DEVICE_ID_DUPLICATE', { device_id: deviceId, product_id: req.product_id });
        }
        this.db.prepare('UPDATE id_sequences SET next_seq = ? WHERE product_id = ? AND station = ?').run(seq, req.product_id, req.station);
      }
      if (req.queue) this.devices.queue(rowId!, req.product_id, deviceId, at);
      return this.devices.byRow(rowId!)!;
    };
    return this.db.inTransaction ? run() : this.db.transaction(run).immediate();
  }

  private nextSeq(productId: number, station: string): number {
    this.db.prepare('INSERT INTO id_sequences (product_id, station, next_seq) VALUES (?, ?, 1) ON CONFLICT DO NOTHING').run(productId, station);
    return (this.db.prepare('SELECT next_seq FROM id_sequences WHERE product_id = ? AND station = ?').get(productId, station) as { next_seq: number }).next_seq;
  }
}
