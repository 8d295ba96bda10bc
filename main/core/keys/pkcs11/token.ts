import crypto from 'node:crypto';
import fs from 'node:fs';
import { WxError } from '../../errors/wx-error.js';
import { ckr, pkcs11js, type Pkcs11Module } from './binding.js';
import { ecPointToPem, P256_PARAMS, rawToDer } from './ec.js';
import { tokenError } from './errors.js';

/** Where a product key lives: the module (the token's driver), the token (by label or serial), the key (its CKA_ID). */
export interface TokenRef {
  module: string;
  token_label?: string;
  /** When given, the token is found by it (the label then only names it). */
  token_serial?: string;
}

export interface TokenKeyRef extends TokenRef {
  /** CKA_ID, hex. */
  key_id: string;
}

/** One loaded module per path per process: C_Initialize is the process's, once. */
const loaded = new Map<string, Pkcs11Module>();

function loadModule(path: string): Pkcs11Module {
  const had = loaded.get(path);
  if (had) return had;
  const p11 = pkcs11js();
  if (!fs.existsSync(path)) throw new WxError('PKCS11_MODULE_NOT_FOUND', { module: path, detail: 'no such file' });
  const m = new p11.PKCS11();
  try {
    m.load(path);
  } catch (e) {
    throw new WxError('PKCS11_MODULE_NOT_FOUND', { module: path, detail: (e as Error).message }, { cause: e });
  }
  try {
    // Sessions sign on the addon's threads at once: the module must lock for itself.
    m.C_Initialize({ flags: p11.CKF_OS_LOCKING_OK });
  } catch (e) {
    if (ckr(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw tokenError(e, '?', path);
  }
  loaded.set(path, m);
  return m;
}

/** How the token is named to people: its label, else its serial. */
export const tokenName = (ref: TokenRef): string => ref.token_label ?? ref.token_serial ?? '?';

const trim = (s: string) => s.replace(/[\s\0]+$/, '');

/**
 * A logged-in session on one token. The PIN is passed in, used once for C_Login, and not kept
 * (a PKCS#11 login holds for every session this process has on that token).
 */
export class TokenSession {
  private closed = false;

  private constructor(
    readonly ref: TokenRef,
    readonly m: Pkcs11Module,
    readonly slot: Buffer,
    readonly handle: Buffer,
    readonly serial: string,
    readonly label: string,
  ) {}

  static open(ref: TokenRef, pin: string | undefined, o: { keygen?: boolean } = {}): TokenSession {
    const m = loadModule(ref.module);
    const p11 = pkcs11js();
    const name = tokenName(ref);
    try {
      const slots = m.C_GetSlotList(true);
      const infos = slots.map((slot) => ({ slot, info: m.C_GetTokenInfo(slot) }));
      const hit = infos.find(({ info }) => (ref.token_serial !== undefined ? trim(info.serialNumber) === ref.token_serial : trim(info.label) === ref.token_label));
      if (!hit) {
        throw new WxError('PKCS11_TOKEN_NOT_FOUND', { token: name, module: ref.module, present: infos.map(({ info }) => `${trim(info.label)} (${trim(info.serialNumber)})`).join(', ') || '-' });
      }
      const mechanisms = m.C_GetMechanismList(hit.slot);
      for (const [mech, label] of [[p11.CKM_ECDSA, 'CKM_ECDSA'], ...(o.keygen ? [[p11.CKM_EC_KEY_PAIR_GEN, 'CKM_EC_KEY_PAIR_GEN'] as const] : [])] as const) {
        if (!mechanisms.includes(mech)) throw new WxError('PKCS11_MECHANISM_UNSUPPORTED', { token: name, mechanism: label });
      }
      const handle = m.C_OpenSession(hit.slot, p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION);
      const s = new TokenSession(ref, m, hit.slot, handle, trim(hit.info.serialNumber), trim(hit.info.label));
      try {
        s.login(pin);
      } catch (e) {
        s.close();
        throw e;
      }
      return s;
    } catch (e) {
      throw tokenError(e, name, ref.module);
    }
  }

  private login(pin: string | undefined): void {
    if (pin === undefined || pin === '') throw new WxError('PKCS11_PIN_REQUIRED', { token: tokenName(this.ref) });
    try {
      this.m.C_Login(this.handle, pkcs11js().CKU_USER, pin);
    } catch (e) {
      // Logged in already through another session of this process: the login is the application's.
      if (ckr(e) !== 'CKR_USER_ALREADY_LOGGED_IN') throw e;
    }
  }

  /** A new P-256 pair made inside the token: the private half sensitive and never extractable. */
  generateP256(label: string): { key_id: string; public_key_pem: string } {
    const p11 = pkcs11js();
    const id = crypto.randomBytes(16);
    try {
      const pair = this.m.C_GenerateKeyPair(
        this.handle,
        { mechanism: p11.CKM_EC_KEY_PAIR_GEN },
        [
          { type: p11.CKA_TOKEN, value: true },
          { type: p11.CKA_VERIFY, value: true },
          { type: p11.CKA_EC_PARAMS, value: P256_PARAMS },
          { type: p11.CKA_ID, value: id },
          { type: p11.CKA_LABEL, value: label },
        ],
        [
          { type: p11.CKA_TOKEN, value: true },
          { type: p11.CKA_PRIVATE, value: true },
          { type: p11.CKA_SENSITIVE, value: true },
          { type: p11.CKA_EXTRACTABLE, value: false },
          { type: p11.CKA_SIGN, value: true },
          { type: p11.CKA_ID, value: id },
          { type: p11.CKA_LABEL, value: label },
        ],
      );
      return { key_id: id.toString('hex'), public_key_pem: this.publicPem(pair.publicKey) };
    } catch (e) {
      throw tokenError(e, tokenName(this.ref), this.ref.module);
    }
  }

  /**
   * A P-256 private key by CKA_ID (hex) or CKA_LABEL, with its public half's PEM. Found by label
   * without a CKA_ID (tools make such keys), it is given one, on both halves, when `adopt` says
   * so: the station finds its key by id from then on, whatever labels come and go.
   */
  findKey(by: { key_id?: string; key_label?: string }, o: { adopt?: boolean } = {}): { handle: Buffer; key_id: string; public_key_pem: string } {
    const p11 = pkcs11js();
    const name = tokenName(this.ref);
    const what = by.key_id ?? by.key_label ?? '?';
    try {
      const match = (cls: number) => [
        { type: p11.CKA_CLASS, value: cls },
        { type: p11.CKA_KEY_TYPE, value: p11.CKK_EC },
        ...(by.key_id !== undefined ? [{ type: p11.CKA_ID, value: Buffer.from(by.key_id, 'hex') }] : [{ type: p11.CKA_LABEL, value: by.key_label! }]),
      ];
      const [priv] = this.find(match(p11.CKO_PRIVATE_KEY));
      if (!priv) throw new WxError('PKCS11_KEY_NOT_FOUND', { token: name, key: what });
      let id = this.m.C_GetAttributeValue(this.handle, priv, [{ type: p11.CKA_ID }])[0].value as Buffer;
      const pubBy = id.length > 0 ? [{ type: p11.CKA_ID, value: id }] : by.key_label !== undefined ? [{ type: p11.CKA_LABEL, value: by.key_label }] : [];
      const [pub] = this.find([{ type: p11.CKA_CLASS, value: p11.CKO_PUBLIC_KEY }, { type: p11.CKA_KEY_TYPE, value: p11.CKK_EC }, ...pubBy]);
      if (!pub) throw new WxError('PKCS11_KEY_NOT_FOUND', { token: name, key: `${what} (public half)` });
      if (id.length === 0) {
        if (!o.adopt) throw new WxError('PKCS11_KEY_NOT_FOUND', { token: name, key: `${what} (no CKA_ID)` });
        id = crypto.randomBytes(16);
        for (const h of [priv, pub]) this.m.C_SetAttributeValue(this.handle, h, [{ type: p11.CKA_ID, value: id }]);
      }
      return { handle: priv, key_id: id.toString('hex'), public_key_pem: this.publicPem(pub) };
    } catch (e) {
      throw tokenError(e, name, this.ref.module);
    }
  }

  /** The private key's protection as the token reports it. */
  protection(key: Buffer): { sensitive: boolean; extractable: boolean } {
    const p11 = pkcs11js();
    const [s, x] = this.m.C_GetAttributeValue(this.handle, key, [{ type: p11.CKA_SENSITIVE }, { type: p11.CKA_EXTRACTABLE }]);
    return { sensitive: (s.value as Buffer)[0] === 1, extractable: (x.value as Buffer)[0] === 1 };
  }

  /** ECDSA over the SHA-256 digest of `message` in the token (CKM_ECDSA), as one-line base64 DER. */
  sign(key: Buffer, message: Buffer): string {
    const p11 = pkcs11js();
    const digest = crypto.createHash('sha256').update(message).digest();
    try {
      this.m.C_SignInit(this.handle, { mechanism: p11.CKM_ECDSA }, key);
      return rawToDer(this.m.C_Sign(this.handle, digest, Buffer.alloc(64))).toString('base64');
    } catch (e) {
      throw tokenError(e, tokenName(this.ref), this.ref.module);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.m.C_CloseSession(this.handle);
    } catch {
      // A token already gone took its sessions with it.
    }
  }

  private find(template: { type: number; value: unknown }[]): Buffer[] {
    this.m.C_FindObjectsInit(this.handle, template as never);
    try {
      return this.m.C_FindObjects(this.handle, 2);
    } finally {
      this.m.C_FindObjectsFinal(this.handle);
    }
  }

  private publicPem(pub: Buffer): string {
    const p11 = pkcs11js();
    const point = this.m.C_GetAttributeValue(this.handle, pub, [{ type: p11.CKA_EC_POINT }])[0].value as Buffer;
    return ecPointToPem(point);
  }
}
