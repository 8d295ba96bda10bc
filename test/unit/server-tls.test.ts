import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureServerTls, subjectAltNames } from '../../main/core/server/tls/certificate.js';
import { caught } from '../helpers/caught.js';
import { tmpDir } from '../helpers/tmp.js';

// The server's certificate: made once (ECDSA P-256, self-signed), reused, never replaced by itself.

const now = new Date('2026-11-30T08:00:00Z');

describe('ensureServerTls', () => {
  it('makes a P-256 self-signed certificate for the names given, its key 0600, and a fingerprint of the DER', async () => {
    const home = tmpDir();
    const t = await ensureServerTls(home, { hosts: ['factory-1', '10.0.0.5', '0.0.0.0'], now });
    expect(t.created).toBe(true);
    const cert = new crypto.X509Certificate(t.certPem);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(t.keyPem))).toBe(true);
    expect(cert.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(t.fingerprint);
    for (const name of ['IP Address:127.0.0.1', 'DNS:localhost', 'DNS:factory-1', 'IP Address:10.0.0.5']) expect(cert.subjectAltName).toContain(name);
    expect(cert.subjectAltName).not.toContain('0.0.0.0');
    expect(Date.parse(cert.validTo) - now.getTime()).toBeGreaterThan(25 * 365 * 86400_000);
    expect(fs.statSync(path.join(home, 'tls/key.pem')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(home, 'tls')).mode & 0o777).toBe(0o700);
  });

  it('serves TLS that a client trusting only this certificate accepts', async () => {
    const t = await ensureServerTls(tmpDir(), { hosts: [], now: new Date() });
    const server = https.createServer({ key: t.keyPem, cert: t.certPem }, (_q, s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const body = await new Promise<string>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, ca: t.certPem, agent: false }, (res) => res.setEncoding('utf8').on('data', resolve)).on('error', reject);
      });
      expect(body).toBe('ok');
    } finally {
      server.close();
    }
  });

  it('reuses it at the next start (the fingerprint stations pinned stays), even for other names', async () => {
    const home = tmpDir();
    const first = await ensureServerTls(home, { hosts: ['a'], now });
    const second = await ensureServerTls(home, { hosts: ['b', '192.168.1.9'], now });
    expect(second).toMatchObject({ created: false, fingerprint: first.fingerprint, certPem: first.certPem });
  });

  it('refuses a key that is not the certificate\'s, or a certificate without its key, rather than make a new fingerprint', async () => {
    const home = tmpDir();
    await ensureServerTls(home, { hosts: [], now });
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(path.join(home, 'tls/key.pem'), other);
    expect(await caught(ensureServerTls(home, { hosts: [], now }))).toMatchObject({ code: 'FLEET_TLS_FAILED', params: { detail: 'key.pem is not the key of cert.pem' } });
    fs.rmSync(path.join(home, 'tls/key.pem'));
    expect((await caught(ensureServerTls(home, { hosts: [], now }))).code).toBe('FLEET_TLS_FAILED');
  });

  it('remakes a pair whose certificate was never written (a key alone was never served)', async () => {
    const home = tmpDir();
    fs.mkdirSync(path.join(home, 'tls'), { recursive: true });
    fs.writeFileSync(path.join(home, 'tls/key.pem'), 'half of an earlier start');
    expect((await ensureServerTls(home, { hosts: [], now })).created).toBe(true);
  });
});

describe('subjectAltNames', () => {
  it('keeps addresses and host names once each, and drops wildcards and what cannot be a name', () => {
    expect(subjectAltNames(['127.0.0.1', 'LocalHost', 'localhost', '::', '[::1]', 'bad name', 'srv_1', '', 'f.example'])).toEqual([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'f.example' },
    ]);
  });
});
