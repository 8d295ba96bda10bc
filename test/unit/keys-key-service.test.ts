import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { WxError } from '../../main/core/errors/wx-error.js';
import { generateKeyPair, parsePublicKeyPem, publicKeyPem, verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { KeyService } from '../../main/core/keys/key-service.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof WxError ? e.code : `not a WxError: ${String(e)}`;
  }
  return 'no error';
}

const open: CoreContext[] = [];
const dirs: string[] = [];
function context(home: string, passphrase = 'pw'): CoreContext {
  const ctx = createContext({ env: { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: passphrase }, actor: 'test' });
  open.push(ctx);
  return ctx;
}
function tmpHome(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-keys-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('KeyService.import (a key from the platform script)', () => {
  const PID = 8801;
  const pair = generateKeyPair();
  const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();

  it('stores the key sealed, exports its public half, and signs with it', () => {
    const home = tmpHome();
    const keys = new KeyService(context(home));
    const r = keys.import(PID, 3, sec1);
    expect(r).toEqual({ product_id: PID, key_version: 3, public_key_pem: publicKeyPem(pair.publicKey) });
    expect(keys.exportPublic(PID)).toEqual(r);
    const signer = keys.signer(PID);
    expect(signer.key_version).toBe(3);
    const sig = signer.sign('SN-1');
    expect(verifyDeviceId(parsePublicKeyPem(r.public_key_pem), PID, 'SN-1', sig)).toBe(true);
    expect(keys.verify(PID, 'SN-1', sig)).toEqual({ valid: true, key_version: 3 });
    expect(keys.verify(PID, 'SN-2', sig)).toEqual({ valid: false, key_version: 3 });
    // Nothing under the station home (database, WAL, logs) holds the private scalar in clear.
    const d = Buffer.from(pair.privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const files = fs.readdirSync(home, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(f.parentPath, f.name));
      expect(bytes.includes(d), f.name).toBe(false);
      expect(bytes.includes(d.toString('base64')), f.name).toBe(false);
    }
  });

  it('refuses the same version twice, a bad id when signing, and a wrong passphrase', () => {
    const home = tmpHome();
    const keys = new KeyService(context(home));
    keys.import(PID, 1, sec1);
    expect(codeOf(() => keys.import(PID, 1, sec1))).toBe('KEY_VERSION_EXISTS');
    expect(codeOf(() => keys.signer(PID).sign('bad id'))).toBe('INPUT_BAD_DEVICE_ID');
    expect(codeOf(() => keys.signer(PID + 1))).toBe('KEY_NOT_FOUND');
    expect(codeOf(() => new KeyService(context(home, 'other')).signer(PID))).toBe('KEY_UNSEAL_FAILED');
  });
});
