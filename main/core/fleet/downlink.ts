import type { Db } from '../db/open.js';
import { DeviceStore } from '../registry/device-store.js';
import type { Downlink } from './protocol.js';

/** Pre-signed ids per block unless the server's station settings say otherwise (`block_size`). */
export const DEFAULT_BLOCK_SIZE = 1000;

export interface StoredDownlink {
  version: number;
  host_app_id: string;
  received_at: string;
  content: Downlink;
}

/** The last downlink as received (fleet_downlink), or undefined before the first. */
export function storedDownlink(db: Db): StoredDownlink | undefined {
  const r = db.prepare('SELECT version, host_app_id, content, received_at FROM fleet_downlink WHERE id = 1').get() as
    | { version: number; host_app_id: string; content: string; received_at: string }
    | undefined;
  return r && { version: r.version, host_app_id: r.host_app_id, received_at: r.received_at, content: JSON.parse(r.content) as Downlink };
}

/** How many ids a block holds for this station (the server's setting, else the default). */
export function blockSize(d: Downlink | undefined): number {
  const v = d?.station.settings.block_size;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 2 && v <= 100_000 ? v : DEFAULT_BLOCK_SIZE;
}

/**
 * Applies a downlink to the station, in one transaction: it is kept whole (the hostAppId, the
 * products with their templates, the public keys, the bound apps); the products go into the
 * station's product table (the ledger's rows refer to them, and records and search read them
 * there); public keys are kept, never dropped (a unit made with an older key still verifies);
 * ids the server revoked are voided here (the ledger row, or the unused pre-signed id, so it is
 * never written to a unit); ids the server registered get their `synced_at`.
 */
export function applyDownlink(db: Db, d: Downlink, at: string): void {
  const devices = new DeviceStore(db);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO fleet_downlink (id, version, host_app_id, content, received_at) VALUES (1, @version, @host_app_id, @content, @at)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, host_app_id = excluded.host_app_id, content = excluded.content, received_at = excluded.received_at`,
    ).run({ version: d.version, host_app_id: d.host_app_id, content: JSON.stringify(d), at });
    const product = db.prepare(
      `INSERT INTO products (product_id, english_name, chinese_name, default_name, model_name, id_template, created_at, created_by, origin)
       VALUES (@product_id, @english_name, @chinese_name, @default_name, @model_name, @id_template, @at, 'fleet', 'recorded')
       ON CONFLICT (product_id) DO UPDATE SET english_name = excluded.english_name, chinese_name = excluded.chinese_name,
         default_name = excluded.default_name, model_name = excluded.model_name, id_template = excluded.id_template`,
    );
    const key = db.prepare('INSERT INTO fleet_keys (product_id, key_version, public_key_pem) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET public_key_pem = excluded.public_key_pem');
    const app = db.prepare("INSERT INTO product_apps (product_id, appid, bound_at, bound_by) VALUES (?, ?, ?, 'fleet') ON CONFLICT DO NOTHING");
    for (const p of d.products) {
      product.run({ ...p, at });
      for (const k of p.keys) key.run(p.product_id, k.key_version, k.public_key_pem);
      db.prepare(`DELETE FROM product_apps WHERE product_id = ? AND appid NOT IN (SELECT value FROM json_each(?))`).run(p.product_id, JSON.stringify(p.appids));
      for (const a of p.appids) app.run(p.product_id, a, at);
    }
    const revoked = db.prepare('INSERT INTO fleet_revoked (product_id, device_id, reason, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    for (const r of d.revoked) {
      revoked.run(r.product_id, r.device_id, r.reason, at);
      db.prepare("UPDATE fleet_ids SET state = 'void' WHERE product_id = ? AND device_id = ? AND state = 'unused'").run(r.product_id, r.device_id);
      const row = devices.get(r.product_id, r.device_id);
      if (row && row.status !== 'void') devices.markVoid(row.id, `revoked by the factory server${r.reason ? `: ${r.reason}` : ''}`, at, 'fleet');
    }
    const synced = db.prepare('UPDATE devices SET synced_at = ? WHERE product_id = ? AND device_id = ? AND synced_at IS NULL');
    for (const r of d.registrations) if (r.state === 'synced') synced.run(at, r.product_id, r.device_id);
  }).immediate();
}

/** Why the server voided this id (anywhere in the fleet), or undefined if it did not. */
export function revokedReason(db: Db, productId: number, deviceId: string): string | undefined {
  return db.prepare('SELECT reason FROM fleet_revoked WHERE product_id = ? AND device_id = ?').pluck().get(productId, deviceId) as string | undefined;
}

/** The products this station may work on: the ones the last downlink lists. */
export function fleetProductIds(db: Db): number[] {
  return (storedDownlink(db)?.content.products ?? []).map((p) => p.product_id);
}
