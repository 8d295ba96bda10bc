import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import type { IdRow } from '../ids/id-file.js';
import { deviceIdProblem } from '../ids/validate.js';
import { ProductService } from '../products/product-service.js';
import { Allocator } from './allocator.js';
import { DeviceStore, type DeviceRow } from './device-store.js';
import { Settings } from './settings.js';
import { parseTemplate } from './template.js';

export interface Refused {
  line: number;
  device_id: string;
  reason: string;
}

export interface VoidResult {
  product_id: number;
  device_id: string;
  previous_status: DeviceRow['status'];
  status: 'void';
  reason: string;
  /** What became of its registration: cancelled before it went out, or already sent (it stays registered). */
  registration: 'cancelled' | 'synced' | 'never_queued';
}

/** A void reason: one line an engineer can read later in the records and the audit. */
export const VOID_REASON_MAX = 200;

export interface AddSummary {
  queued: number;
  duplicates: Refused[];
  invalid: Refused[];
}

/** Rows per transaction for bulk writes: big enough to be fast, small enough that a kill loses little work. */
const CHUNK = 2000;

/**
 * The device ledger as services see it: bulk add, allocation, lookups. Everything here
 * works with no network at all; registration happens later through the outbox.
 */
export class Registry {
  readonly devices: DeviceStore;
  readonly settings: Settings;
  readonly allocator: Allocator;
  private readonly products: ProductService;

  constructor(private readonly ctx: CoreContext) {
    this.devices = new DeviceStore(ctx.db);
    this.settings = new Settings(ctx.db);
    this.allocator = new Allocator(ctx.db);
    this.products = new ProductService(ctx);
  }

  /** The product, which must have a model: adddevice cannot be sent without one. */
  requireRegistrable(productId: number) {
    const p = this.products.require(productId);
    if (!p.model_name) throw new WxError('PRODUCT_MODEL_MISSING', { product_id: productId });
    return p;
  }

  setTemplate(productId: number, template: string): string {
    this.products.require(productId);
    parseTemplate(template);
    this.ctx.db.prepare('UPDATE products SET id_template = ? WHERE product_id = ?').run(template, productId);
    return template;
  }

  /**
   * `devices add`: validates each id, refuses duplicates (within the input or already in the
   * ledger) and invalid ids with their line and reason, and queues the rest for adddevice.
   */
  async add(productId: number, rows: AsyncIterable<IdRow> | Iterable<IdRow>): Promise<AddSummary> {
    this.requireRegistrable(productId);
    const summary: AddSummary = { queued: 0, duplicates: [], invalid: [] };
    const seen = new Map<string, number>();
    const station = this.settings.get('station_code') ?? '';
    let chunk: IdRow[] = [];
    const write = this.ctx.db.transaction((batch: IdRow[]) => {
      const at = this.ctx.now().toISOString();
      const added = this.devices.insertQueued(
        productId,
        batch.map((r) => ({ device_id: r.device_id, sn: r.extra.sn || null, extra: Object.keys(r.extra).length ? JSON.stringify(r.extra) : null })),
        { station, operator: this.ctx.actor, at },
      );
      for (const r of batch) {
        if (added.has(r.device_id)) summary.queued++;
        else summary.duplicates.push({ line: r.line, device_id: r.device_id, reason: 'already in the records' });
      }
    });
    for await (const r of rows) {
      const problem = deviceIdProblem(r.device_id);
      if (problem) {
        summary.invalid.push({ line: r.line, device_id: r.device_id, reason: problem });
        continue;
      }
      const first = seen.get(r.device_id);
      if (first !== undefined) {
        summary.duplicates.push({ line: r.line, device_id: r.device_id, reason: `same as line ${first}` });
        continue;
      }
      seen.set(r.device_id, r.line);
      chunk.push(r);
      if (chunk.length >= CHUNK) {
        write.immediate(chunk);
        chunk = [];
      }
    }
    if (chunk.length) write.immediate(chunk);
    this.ctx.log.info('devices.add', { product_id: productId, queued: summary.queued, duplicates: summary.duplicates.length, invalid: summary.invalid.length });
    return summary;
  }

  /**
   * `devices void`: the id is never used again (a unit erased, a label destroyed). Audited by
   * the ledger's trigger; a registration not yet sent is cancelled. Without a product the id
   * must be unambiguous across products.
   */
  voidDevice(deviceId: string, reason: string, productId?: number): VoidResult {
    const why = reason.trim();
    if (!why || why.length > VOID_REASON_MAX || /[\r\n]/.test(why)) {
      throw new WxError('INPUT_INVALID', { field: '--reason', detail: why ? 'too long or more than one line' : 'empty', allowed: `one line of 1-${VOID_REASON_MAX} characters` });
    }
    return this.ctx.db.transaction((): VoidResult => {
      const rows = (
        productId === undefined
          ? this.ctx.db.prepare('SELECT * FROM devices WHERE device_id = ?').all(deviceId)
          : this.ctx.db.prepare('SELECT * FROM devices WHERE device_id = ? AND product_id = ?').all(deviceId, productId)
      ) as DeviceRow[];
      if (rows.length === 0) throw new WxError('DEVICE_NOT_FOUND', { device_id: deviceId });
      if (rows.length > 1) {
        throw new WxError('INPUT_INVALID', { field: '--product', detail: `${deviceId} is in products ${rows.map((r) => r.product_id).join(', ')}`, allowed: 'the product the id belongs to' });
      }
      const d = rows[0];
      if (d.status === 'void') throw new WxError('DEVICE_STATE_INVALID', { device_id: deviceId, status: { zh: '作废', en: 'void' }, action: { zh: '再次作废', en: 'voided again' } });
      const before = this.devices.registration(d.id);
      this.devices.markVoid(d.id, why, this.ctx.now().toISOString(), this.ctx.actor);
      this.ctx.log.info('devices.void', { product_id: d.product_id, device_id: deviceId, from: d.status, registration: before ?? 'none' });
      return {
        product_id: d.product_id,
        device_id: deviceId,
        previous_status: d.status,
        status: 'void',
        reason: why,
        registration: before === undefined ? 'never_queued' : before === 'synced' ? 'synced' : 'cancelled',
      };
    }).immediate();
  }

  /** Allocate `count` ids from the product's template and queue them (for flashing elsewhere). */
  allocateMany(productId: number, count: number, onEach?: (d: DeviceRow) => void): number {
    this.requireRegistrable(productId);
    const station = this.settings.stationCode();
    const template = this.allocator.template(productId);
    let done = 0;
    while (done < count) {
      const n = Math.min(CHUNK, count - done);
      const batch = this.ctx.db.transaction(() => {
        const rows: DeviceRow[] = [];
        for (let i = 0; i < n; i++) {
          rows.push(this.allocator.allocate({ product_id: productId, station, operator: this.ctx.actor, at: this.ctx.now(), queue: true }, template));
        }
        return rows;
      }).immediate();
      for (const d of batch) onEach?.(d);
      done += n;
    }
    return done;
  }
}
