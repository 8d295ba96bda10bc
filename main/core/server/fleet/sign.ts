import { WxError } from '../../errors/wx-error.js';
import { deviceIdProblem } from '../../ids/validate.js';
import type { Logger } from '../../log/logger.js';
import { audit } from '../audit.js';
import type { Queryable, ServerDb } from '../db/server-db.js';
import type { ProductSigners } from '../keys/product-signer.js';

export interface SignRequest {
  product_id: number;
  device_id: string;
  hwid?: string;
  sn?: string;
  request_id?: string;
}

export interface SignAnswer {
  device_id: string;
  signature: string;
  key_version: number;
}

export interface SignDeps {
  db: ServerDb;
  now: () => Date;
  log: Logger;
  signers: ProductSigners;
  onQueued?: () => void;
}

interface Held {
  station: string;
  status: string;
  signature: string | null;
  key_version: number | null;
}

const VOID_WORDS = { zh: '作废', en: 'void' };
const SIGN_WORDS = { zh: '签发', en: 'signed' };

/**
 * `POST /v1/sign`: an id only the unit could give (`{sn}`, `{hwid}`, an engineer's id),
 * reserved fleet-wide and signed before anything is written to the unit. The ledger row
 * (`allocated`, this station's, with the unit's hwid and sn) and its adddevice registration
 * are written in one transaction, so the id is registered even if the station never returns.
 *
 * The ledger's unique key (product, id) decides who holds an id: two stations asking at
 * once both insert, the second waits for the first to commit and then finds the row it
 * wrote — DEVICE_ID_TAKEN, nothing reserved, nothing written to its unit. The station that
 * holds an id gets the same signature whenever it asks again (request id or not); a void id
 * is never signed. The signature is made before the transaction (no lock is held while
 * signing) and thrown away if the id turns out to be held already.
 */
export class SignService {
  constructor(private readonly d: SignDeps) {}

  async sign(station: string, req: SignRequest): Promise<SignAnswer> {
    const problem = deviceIdProblem(req.device_id);
    if (problem) throw new WxError('INPUT_BAD_DEVICE_ID', { line: 1, detail: `${JSON.stringify(req.device_id)}: ${problem}` });
    const known = (await this.d.db.query('SELECT 1 FROM products WHERE product_id = $1', [req.product_id])).rowCount > 0;
    if (!known) throw new WxError('PRODUCT_NOT_FOUND', { product_id: req.product_id });
    if (req.request_id) {
      const again = await this.answered(this.d.db, station, req);
      if (again) return again;
    }
    const key = await this.d.signers.current(this.d.db, req.product_id);
    const signature = key.sign(req.device_id);
    const at = this.d.now().toISOString();
    const out = await this.d.db.transaction(async (tx): Promise<SignAnswer & { fresh: boolean }> => {
      const inserted = await tx.query(
        `INSERT INTO devices (product_id, device_id, station, status, hwid, sn, signature, key_version, created_at, updated_at)
         VALUES ($1, $2, $3, 'allocated', $4, $5, $6, $7, $8::timestamptz, $8::timestamptz) ON CONFLICT (product_id, device_id) DO NOTHING RETURNING id`,
        [req.product_id, req.device_id, station, req.hwid ?? null, req.sn ?? null, signature, key.key_version, at],
      );
      let answer: SignAnswer = { device_id: req.device_id, signature, key_version: key.key_version };
      const fresh = inserted.rowCount > 0;
      if (!fresh) {
        const held = (
          await tx.query<Held>('SELECT station, status, signature, key_version FROM devices WHERE product_id = $1 AND device_id = $2 FOR UPDATE', [req.product_id, req.device_id])
        ).rows[0];
        if (held.station !== station) throw new WxError('DEVICE_ID_TAKEN', { device_id: req.device_id });
        if (held.status === 'void') throw new WxError('DEVICE_STATE_INVALID', { device_id: req.device_id, status: VOID_WORDS, action: SIGN_WORDS });
        if (held.signature && held.key_version !== null) answer = { device_id: req.device_id, signature: held.signature, key_version: held.key_version };
        else await tx.query('UPDATE devices SET signature = $3, key_version = $4, updated_at = $5::timestamptz WHERE product_id = $1 AND device_id = $2', [req.product_id, req.device_id, signature, key.key_version, at]);
      }
      // Queued with the reservation (write-ahead); an id this station held already is queued once.
      await tx.query(
        "INSERT INTO registrations (product_id, device_id, state, created_at, updated_at) VALUES ($1, $2, 'pending', $3::timestamptz, $3::timestamptz) ON CONFLICT DO NOTHING",
        [req.product_id, req.device_id, at],
      );
      if (req.request_id) {
        await tx.query('INSERT INTO sign_requests (station, request_id, product_id, device_id, created_at) VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT DO NOTHING', [
          station,
          req.request_id,
          req.product_id,
          req.device_id,
          at,
        ]);
      }
      if (fresh) await audit(tx, { at, actor: `station:${station}`, action: 'device.sign', station, product_id: req.product_id, device_id: req.device_id, detail: { key_version: key.key_version } });
      return { ...answer, fresh };
    });
    if (out.fresh) {
      this.d.log.info('device.signed', { station, product_id: req.product_id, device_id: req.device_id, key_version: out.key_version });
      this.d.onQueued?.();
    }
    return { device_id: out.device_id, signature: out.signature, key_version: out.key_version };
  }

  /** The answer to a request id this station used before: the same id again, or FLEET_REQUEST_REUSED. */
  private async answered(q: Queryable, station: string, req: SignRequest): Promise<SignAnswer | undefined> {
    const r = (
      await q.query<{ product_id: number; device_id: string; signature: string | null; key_version: number | null }>(
        `SELECT s.product_id, s.device_id, d.signature, d.key_version FROM sign_requests s
         JOIN devices d ON d.product_id = s.product_id AND d.device_id = s.device_id WHERE s.station = $1 AND s.request_id = $2`,
        [station, req.request_id ?? null],
      )
    ).rows[0];
    if (!r) return undefined;
    if (r.product_id !== req.product_id || r.device_id !== req.device_id) {
      throw new WxError('FLEET_REQUEST_REUSED', { request_id: req.request_id!, detail: `it reserved ${r.device_id} of product ${r.product_id}` });
    }
    return r.signature && r.key_version !== null ? { device_id: r.device_id, signature: r.signature, key_version: r.key_version } : undefined;
  }
}
