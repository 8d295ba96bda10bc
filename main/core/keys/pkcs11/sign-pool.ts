import { createRequire } from 'node:module';
import { WxError } from '../../errors/wx-error.js';
import { SignPool } from '../sign-pool.js';
import { tokenError } from './errors.js';
import { TokenSession, tokenName, type TokenKeyRef } from './token.js';

/**
 * One signing thread's work in the token: its own session (the module is the process's, loaded
 * and initialised by the main thread first; the login is the process's too), the key found by
 * CKA_ID, then per chunk, in order: SHA-256 of `<product_id>_<id>`, C_SignInit + C_Sign with
 * CKM_ECDSA, raw r‖s to DER (as ec.ts `rawToDer`), base64. An eval worker like the sealed-key
 * pool's (sign-pool.ts), given the binding's absolute path. The PIN is in its workerData (memory)
 * only; a token error goes back as its message, CKR name included.
 */
const TOKEN_WORKER_SOURCE = `'use strict';
const { parentPort, workerData: w } = require('node:worker_threads');
const crypto = require('node:crypto');
const p11 = require(w.binding);
const m = new p11.PKCS11();
let session, key, setupError;
const trim = (t) => t.replace(/[\\s\\0]+$/, '');
try {
  m.load(w.module);
  try { m.C_Initialize({ flags: p11.CKF_OS_LOCKING_OK }); } catch (e) { if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(e.message)) throw e; }
  const slot = m.C_GetSlotList(true).find((s) => { const i = m.C_GetTokenInfo(s); return w.serial ? trim(i.serialNumber) === w.serial : trim(i.label) === w.label; });
  if (!slot) throw new Error('CKR_TOKEN_NOT_PRESENT');
  session = m.C_OpenSession(slot, p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION);
  try { m.C_Login(session, p11.CKU_USER, w.pin); } catch (e) { if (!/CKR_USER_ALREADY_LOGGED_IN/.test(e.message)) throw e; }
  m.C_FindObjectsInit(session, [{ type: p11.CKA_CLASS, value: p11.CKO_PRIVATE_KEY }, { type: p11.CKA_ID, value: Buffer.from(w.keyId, 'hex') }]);
  key = m.C_FindObjects(session, 1)[0];
  m.C_FindObjectsFinal(session);
  if (!key) throw new Error('CKR_KEY_HANDLE_INVALID');
} catch (e) {
  setupError = String((e && e.message) || e);
}
const int = (v) => { let i = 0; while (i < v.length - 1 && v[i] === 0) i++; const b = v[i] & 0x80 ? Buffer.concat([Buffer.from([0]), v.subarray(i)]) : v.subarray(i); return Buffer.concat([Buffer.from([2, b.length]), b]); };
const der = (raw) => { const q = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]); return Buffer.concat([Buffer.from([0x30, q.length]), q]); };
const prefix = String(w.productId) + '_';
const out = Buffer.alloc(64);
parentPort.on('message', (msg) => {
  if (setupError) return parentPort.postMessage({ id: msg.id, error: setupError });
  const sigs = new Array(msg.ids.length);
  try {
    for (let i = 0; i < msg.ids.length; i++) {
      const digest = crypto.createHash('sha256').update(prefix + msg.ids[i], 'utf8').digest();
      m.C_SignInit(session, { mechanism: p11.CKM_ECDSA }, key);
      sigs[i] = der(m.C_Sign(session, digest, out)).toString('base64');
    }
  } catch (e) {
    return parentPort.postMessage({ id: msg.id, error: String((e && e.message) || e) });
  }
  parentPort.postMessage({ id: msg.id, sigs });
});
`;

/**
 * Batch signing in a token: a pool of threads, each with its own session signing whole chunks
 * (C_Sign in a tight loop, off the event loop), so every core is busy and the main thread only
 * writes. The token, the PIN and the key are checked here first, in this thread, so a wrong PIN
 * or a missing key is refused with its own code before any thread starts. A token pulled out
 * fails the chunks in flight with PKCS11_TOKEN_REMOVED, and the batch stops at a chunk boundary.
 */
export class TokenSignPool {
  private readonly pool: SignPool;

  constructor(
    private readonly ref: TokenKeyRef,
    pin: string | undefined,
    productId: number,
    readonly size: number,
  ) {
    const check = TokenSession.open(ref, pin);
    try {
      check.findKey({ key_id: ref.key_id });
    } finally {
      check.close();
    }
    const binding = createRequire(import.meta.url).resolve('pkcs11js');
    this.pool = new SignPool(new Uint8Array(0), productId, {
      size,
      worker: {
        source: TOKEN_WORKER_SOURCE,
        data: { binding, module: ref.module, serial: ref.token_serial ?? null, label: ref.token_label ?? null, pin, keyId: ref.key_id, productId },
        name: 'wxprov-sign-pkcs11',
      },
    });
  }

  get closed(): boolean {
    return this.pool.closed;
  }

  get liveWorkers(): number {
    return this.pool.liveWorkers;
  }

  async signChunk(ids: string[]): Promise<string[]> {
    try {
      return await this.pool.signChunk(ids);
    } catch (e) {
      const err = e instanceof WxError ? e : tokenError(e, tokenName(this.ref), this.ref.module);
      throw err.code === 'PKCS11_FAILED' && /pool is closed/.test(String((e as Error).message)) ? new WxError('PKCS11_FAILED', { detail: 'the signing pool is closed' }) : err;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
