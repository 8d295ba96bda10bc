import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFingerprint } from '../../main/core/fleet/fingerprint.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { pinnedRequest } from '../helpers/pinned-https.js';
import { STORES, skipStore } from '../helpers/server-db.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { tmpDir } from '../helpers/tmp.js';

// The factory server as a real process on each store: enrolment, a station joining through a
// raw HTTPS request pinned to the printed fingerprint, its downlink, revocation, enrolment codes
// used, expired or already taken, the admin client's own pinning, and the server's files.

const PASSPHRASE = 'server key passphrase';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe.each(STORES)('wxprov server on %s', (kind) => {
  // Each admin command is a real CLI process (about a second through tsx): the steps get room.
  describe.skipIf(skipStore(kind))(kind, { timeout: 90_000 }, () => {
    let sim: WechatSim;
    let home: string;
    let server: ServerProcess;
    let env: NodeJS.ProcessEnv;
    const admin = (...argv: string[]) => cliAsync(['server', ...argv, '--home', home, '--json'], env);
    const join = (body: unknown) => pinnedRequest(server.url, server.fingerprint, 'POST', '/v1/join', { body });
    const downlink = (credential: string, query = '') => pinnedRequest(server.url, server.fingerprint, 'GET', `/v1/downlink${query}`, { bearer: credential });

    beforeAll(async () => {
      sim = await startWechatSim();
      home = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'wxprov-srv-')), 'home');
      env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: PASSPHRASE, WXPROV_OPERATOR: 'tester' };
      server = await startServerProcess({ home, kind, env });
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await sim?.close();
      fs.rmSync(path.dirname(home), { recursive: true, force: true });
    });

    it('prints its URL, its certificate fingerprint and its store first; server.json and the key are owner-only', () => {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(server.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(server.database).toBe(kind);
      const certPem = fs.readFileSync(path.join(home, 'tls/cert.pem'), 'utf8');
      const cert = new crypto.X509Certificate(certPem);
      // The fingerprint is the SHA-256 of the DER certificate, as OpenSSL and browsers show it.
      expect(parseFingerprint(cert.fingerprint256)).toBe(server.fingerprint);
      expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.subjectAltName).toContain('DNS:localhost');
      const sj = JSON.parse(fs.readFileSync(path.join(home, 'server.json'), 'utf8'));
      expect(Object.keys(sj).sort()).toEqual(['admin_token', 'fingerprint', 'pid', 'url']);
      expect(sj).toMatchObject({ url: server.url, fingerprint: server.fingerprint, pid: server.child.pid });
      expect(mode(home)).toBe(0o700);
      expect(mode(path.join(home, 'server.json'))).toBe(0o600);
      expect(mode(path.join(home, 'tls'))).toBe(0o700);
      expect(mode(path.join(home, 'tls/key.pem'))).toBe(0o600);
    });

    it('wxprov server --help lists the admin commands', async () => {
      const r = await cliAsync(['server', '--help'], env);
      expect(r.code).toBe(0);
      for (const sub of ['enroll', 'revoke', 'stations', 'product create', 'product add', 'product set', 'key create', 'bind']) expect(r.stdout).toContain(`wxprov server ${sub} `);
    });

    let credential = '';
    let firstCode = '';

    it('enrolls a station once; its code joins once, over a pinned connection, and gives a credential and a downlink', async () => {
      const e = await admin('enroll', '--station', 'A1');
      expect(e.code, e.stderr).toBe(0);
      expect(Object.keys(e.json).sort()).toEqual(['code', 'expires_at', 'station']);
      expect(e.json.station).toBe('A1');
      expect(e.json.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
      const hours = (Date.parse(e.json.expires_at) - Date.now()) / 3600_000;
      expect(hours).toBeGreaterThan(23.9);
      expect(hours).toBeLessThanOrEqual(24);
      firstCode = e.json.code;

      // enrolled, not joined: a second enrolment of the code (any case) is refused
      for (const code of ['A1', 'a1']) {
        const again = await admin('enroll', '--station', code);
        expect(again.code).toBe(1);
        expect(again.json.error).toMatchObject({ code: 'FLEET_STATION_EXISTS', params: { station: 'A1' } });
      }

      // typed by a person: lower case, no dashes
      const j = await join({ station: 'A1', code: firstCode.toLowerCase().replace(/-/g, '') });
      expect(j.status, j.text).toBe(200);
      expect(j.json.station).toBe('A1');
      expect(j.json.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
      credential = j.json.credential;
      expect(j.json.downlink).toMatchObject({ host_app_id: sim.appid, station: { code: 'A1', settings: {} }, products: [], revoked: [], registrations: [] });
      expect(Number.isSafeInteger(j.json.downlink.version)).toBe(true);

      const used = await join({ station: 'A1', code: firstCode });
      expect(used.status).toBe(403);
      expect(used.json.error.code).toBe('FLEET_ENROL_REFUSED');
      expect(used.json.error.message_zh).toBeTruthy();
    });

    it('a joined station code is refused at enrolment until it is revoked', async () => {
      const again = await admin('enroll', '--station', 'A1');
      expect(again.json.error).toMatchObject({ code: 'FLEET_STATION_EXISTS' });
      expect(again.json.error.message_en).toContain('joined');
      expect(again.json.error.message_zh).toContain('已加入');
    });

    it('answers the downlink to the credential, and nothing without it', async () => {
      const d = await downlink(credential);
      expect(d.status, d.text).toBe(200);
      expect(d.json).toMatchObject({ host_app_id: sim.appid, station: { code: 'A1' } });
      const none = await pinnedRequest(server.url, server.fingerprint, 'GET', '/v1/downlink');
      expect([none.status, none.json.error.code]).toEqual([401, 'FLEET_UNAUTHORIZED']);
      const wrong = await downlink(crypto.randomBytes(32).toString('base64url'));
      expect([wrong.status, wrong.json.error.code]).toEqual([401, 'FLEET_UNAUTHORIZED']);
      const since = await downlink(credential, `?since=${d.json.version}`);
      expect(since.status).toBe(200);
      const bad = await downlink(credential, '?since=yesterday');
      expect([bad.status, bad.json.error.code]).toEqual([400, 'INPUT_INVALID']);
      const stations = await admin('stations');
      expect(stations.json.stations).toEqual([expect.objectContaining({ station: 'A1', state: 'joined', last_contact: expect.stringMatching(/Z$/) })]);
    });

    it('refuses wrong, expired and other stations\' enrolment codes alike', async () => {
      const b1 = await admin('enroll', '--station', 'B1', '--ttl', '1s');
      expect(b1.code, b1.stderr).toBe(0);
      const c1 = await admin('enroll', '--station', 'C1');
      const wrongStation = await join({ station: 'C1', code: b1.json.code });
      const malformed = await join({ code: 'not-a-code' });
      const unknown = await join({ code: '0000-0000-0000-0000' });
      await new Promise((r) => setTimeout(r, 1200));
      const expired = await join({ station: 'B1', code: b1.json.code });
      for (const r of [wrongStation, malformed, unknown, expired]) expect([r.status, r.json.error.code]).toEqual([403, 'FLEET_ENROL_REFUSED']);
      // the code alone names its station: a station that does not know its code yet can join
      const byCode = await join({ code: c1.json.code });
      expect([byCode.status, byCode.json.station]).toEqual([200, 'C1']);
      const missing = await join({});
      expect([missing.status, missing.json.error.code]).toEqual([400, 'INPUT_MISSING']);
    });

    it('revokes a station: its credential is refused with FLEET_STATION_REVOKED, and the code can be enrolled again', async () => {
      const r = await admin('revoke', '--station', 'A1');
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ station: 'A1', state: 'revoked', already_revoked: false });
      const refused = await downlink(credential);
      expect([refused.status, refused.json.error.code]).toEqual([403, 'FLEET_STATION_REVOKED']);
      const twice = await admin('revoke', '--station', 'A1');
      expect(twice.json.already_revoked).toBe(true);
      const unknown = await admin('revoke', '--station', 'Q9');
      expect([unknown.code, unknown.json.error.code]).toEqual([1, 'FLEET_STATION_NOT_FOUND']);

      const e = await admin('enroll', '--station', 'A1');
      expect(e.code, e.stderr).toBe(0);
      const j = await join({ station: 'A1', code: e.json.code });
      expect(j.status).toBe(200);
      expect(j.json.credential).not.toBe(credential);
      expect((await downlink(j.json.credential)).status).toBe(200);
      // the old install's credential is nobody's now
      expect((await downlink(credential)).json.error.code).toBe('FLEET_UNAUTHORIZED');
    });

    it('keeps the admin routes to the admin token, answers unknown routes and oversized bodies with JSON errors', async () => {
      const noToken = await pinnedRequest(server.url, server.fingerprint, 'GET', '/admin/stations');
      expect([noToken.status, noToken.json.error.code]).toEqual([401, 'FLEET_UNAUTHORIZED']);
      const stationToken = await pinnedRequest(server.url, server.fingerprint, 'GET', '/admin/stations', { bearer: credential });
      expect(stationToken.status).toBe(401);
      const nowhere = await pinnedRequest(server.url, server.fingerprint, 'GET', '/v1/nowhere');
      expect([nowhere.status, nowhere.json.error.code]).toEqual([404, 'FLEET_NO_ROUTE']);
      const wrongMethod = await pinnedRequest(server.url, server.fingerprint, 'GET', '/v1/join');
      expect([wrongMethod.status, wrongMethod.json.error.code]).toEqual([405, 'FLEET_NO_ROUTE']);
      const huge = await pinnedRequest(server.url, server.fingerprint, 'POST', '/v1/join', { rawBody: Buffer.alloc(64 * 1024, 'x') });
      expect([huge.status, huge.json.error.code]).toEqual([413, 'FLEET_BODY_TOO_LARGE']);
      const notJson = await pinnedRequest(server.url, server.fingerprint, 'POST', '/v1/join', { rawBody: Buffer.from('{"code":'), headers: { 'content-type': 'application/json' } });
      expect([notJson.status, notJson.json.error.code]).toEqual([400, 'FLEET_BAD_REQUEST']);
    });

    it('the admin client trusts only the fingerprint in server.json: another one is FLEET_CERT_MISMATCH, nothing sent', async () => {
      const file = path.join(home, 'server.json');
      const original = fs.readFileSync(file, 'utf8');
      const other = crypto.randomBytes(32).toString('hex');
      try {
        fs.writeFileSync(file, original.replace(server.fingerprint, other));
        const r = await admin('enroll', '--station', 'Z1');
        expect(r.code).toBe(1);
        expect(r.json.error).toMatchObject({ code: 'FLEET_CERT_MISMATCH', params: { expected: other, actual: server.fingerprint } });
      } finally {
        fs.writeFileSync(file, original);
      }
      // Z1 never reached the server
      expect((await admin('stations')).json.stations.map((s: { station: string }) => s.station)).not.toContain('Z1');
      // and a station pinning another fingerprint stops at the handshake
      await expect(pinnedRequest(server.url, crypto.randomBytes(32).toString('hex'), 'POST', '/v1/join', { body: {} })).rejects.toMatchObject({ code: 'PIN_MISMATCH', seen: server.fingerprint });
    });

    it('stops cleanly on Ctrl-C: server.json and the lock go, every file it leaves is owner-only; a restart keeps the certificate and the stations', async () => {
      expect(await server.stop('SIGINT')).toBe(0);
      expect(fs.existsSync(path.join(home, 'server.json'))).toBe(false);
      expect(fs.existsSync(path.join(home, 'server.lock'))).toBe(false);
      for (const e of fs.readdirSync(home, { withFileTypes: true, recursive: true })) {
        const p = path.join(e.parentPath, e.name);
        if (!e.isSymbolicLink()) expect([p, mode(p) & 0o077]).toEqual([p, 0]);
      }
      const down = await admin('stations');
      expect([down.code, down.json.error.code]).toEqual([1, 'FLEET_SERVER_NOT_RUNNING']);

      const before = server.fingerprint;
      server = await startServerProcess({ home, kind, env, database: server.databaseUrl ? { url: server.databaseUrl, drop: async () => {} } : undefined });
      expect(server.fingerprint).toBe(before);
      const list = await admin('stations');
      expect(list.json.stations.map((s: { station: string; state: string }) => `${s.station}:${s.state}`)).toEqual(['A1:joined', 'B1:enrolled', 'C1:joined']);
      // a second server on the same home is refused while this one runs
      const second = await cliAsync(['server', '--home', home, '--listen', '127.0.0.1:0', '--json'], env);
      expect([second.code, second.json?.error?.code]).toEqual([1, 'FLEET_SERVER_RUNNING']);
    }, 120_000);

    it('keeps its home owner-only while it runs, and no secret in its logs', async () => {
      // the embedded store lives in the home; a server on PostgreSQL keeps nothing of the ledger there
      if (kind === 'embedded') expect(mode(path.join(home, 'pgdata'))).toBe(0o700);
      else expect(fs.existsSync(path.join(home, 'pgdata'))).toBe(false);
      for (const e of fs.readdirSync(home, { withFileTypes: true, recursive: true })) {
        const p = path.join(e.parentPath, e.name);
        // the embedded store's own files are checked at rest (above): PGlite writes them wide inside its 0700 folder
        if (e.isSymbolicLink() || p.includes(`${path.sep}pgdata${path.sep}`)) continue;
        expect([p, mode(p) & 0o077]).toEqual([p, 0]);
      }
      const sj = JSON.parse(fs.readFileSync(path.join(home, 'server.json'), 'utf8'));
      const logs = fs.readdirSync(path.join(home, 'logs')).map((f) => fs.readFileSync(path.join(home, 'logs', f), 'utf8')).join('\n');
      expect(logs).toContain('station.joined');
      for (const secret of [sj.admin_token, credential, firstCode, sim.appsecret, PASSPHRASE]) expect(logs).not.toContain(secret);
      expect(logs).not.toMatch(/PRIVATE KEY/);
    });
  });
});
