import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../main/core/cli/commands/server-admin.js';
import { WxError } from '../../main/core/errors/wx-error.js';
import { DEFAULT_LISTEN, parseListen, readServerEnv } from '../../main/core/server/config.js';
import { lockServerHome, readServerJson, removeServerJson, writeServerJson } from '../../main/core/server/home.js';
import { checkAdmin, localAddresses } from '../../main/core/server/http/auth.js';
import { statusFor } from '../../main/core/server/http/status.js';
import { newCredential, newEnrolmentCode, normaliseEnrolmentCode } from '../../main/core/server/stations/secrets.js';
import { tmpDir } from '../helpers/tmp.js';

// The factory server's small rules, each on its own.

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as WxError).code;
  }
  return undefined;
};

describe('enrolment codes and credentials', () => {
  it('an enrolment code is 16 characters of Crockford base32 in groups of four, typed back in any case, with or without dashes', () => {
    const c = newEnrolmentCode();
    expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(normaliseEnrolmentCode(c.toLowerCase().replace(/-/g, ' '))).toBe(c);
    // letters people misread are read as the digits they look like
    expect(normaliseEnrolmentCode('ILO0-AAAA-BBBB-CCCC')).toBe('1100-AAAA-BBBB-CCCC');
    for (const bad of ['', 'AAAA-BBBB-CCCC', 'AAAA-BBBB-CCCC-DDDD-E', 'UUUU-AAAA-BBBB-CCCC', 'AAAA_BBBB_CCCC_DDDD']) expect(normaliseEnrolmentCode(bad), bad).toBeUndefined();
    expect(new Set(Array.from({ length: 200 }, () => newEnrolmentCode())).size).toBe(200);
    expect(newEnrolmentCode(() => Buffer.alloc(10, 0xff))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
  });

  it('a credential is 32 random bytes, base64url', () => {
    expect(newCredential()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newCredential(() => Buffer.alloc(32))).toBe('A'.repeat(43));
  });
});

describe('--listen and --ttl', () => {
  it('reads host:port, [v6]:port and :port, with 0 for any free port', () => {
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseListen(':9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen(DEFAULT_LISTEN)).toEqual({ host: '0.0.0.0', port: 8443 });
    for (const bad of ['8443', 'host', 'host:99999', 'a:b', '']) expect(code(() => parseListen(bad)), bad).toBe('INPUT_INVALID');
  });

  it('reads durations from 1s to 30d', () => {
    expect(parseDuration('90s', '--ttl')).toBe(90);
    expect(parseDuration('30m', '--ttl')).toBe(1800);
    expect(parseDuration('24h', '--ttl')).toBe(86400);
    expect(parseDuration('7d', '--ttl')).toBe(604800);
    expect(parseDuration('600', '--ttl')).toBe(600);
    for (const bad of ['0s', '31d', '1w', '-1h', 'soon']) expect(code(() => parseDuration(bad, '--ttl')), bad).toBe('INPUT_INVALID');
  });
});

describe('the server environment', () => {
  it('checks WXPROV_APPID at start and reads WXPROV_DATABASE_URL', () => {
    expect(readServerEnv({ WXPROV_APPID: ' wx0a1b2c3d4e5f6071 ', WXPROV_DATABASE_URL: 'postgres://u@h/db' })).toMatchObject({ appid: 'wx0a1b2c3d4e5f6071', databaseUrl: 'postgres://u@h/db', tokenMode: 'stable' });
    expect(code(() => readServerEnv({ WXPROV_APPID: 'my-secret-by-mistake' }))).toBe('CONFIG_INVALID');
    expect(readServerEnv({}).appid).toBeUndefined();
    expect(code(() => readServerEnv({ WXPROV_DATABASE_URL: 'mysql://u@h/db' }))).toBe('CONFIG_INVALID');
  });
});

describe('admin auth', () => {
  const token = 'admin-token-for-the-test';
  const local = () => new Set(['127.0.0.1', '::1', '10.0.0.5']);

  it('takes the token from this computer only: loopback or one of its own addresses', () => {
    expect(code(() => checkAdmin(`Bearer ${token}`, token, '127.0.0.1', local))).toBeUndefined();
    expect(code(() => checkAdmin(`Bearer ${token}`, token, '::ffff:127.0.0.1', local))).toBeUndefined();
    expect(code(() => checkAdmin(`bearer ${token}`, token, '10.0.0.5', local))).toBeUndefined();
    expect(code(() => checkAdmin(`Bearer ${token}`, token, '10.0.0.77', local))).toBe('FLEET_ADMIN_LOCAL_ONLY');
    expect(code(() => checkAdmin('Bearer wrong', token, '127.0.0.1', local))).toBe('FLEET_UNAUTHORIZED');
    expect(code(() => checkAdmin(undefined, token, '127.0.0.1', local))).toBe('FLEET_UNAUTHORIZED');
    expect(localAddresses({}).has('127.0.0.1')).toBe(true);
  });

  it('answers each kind of error with its HTTP status', () => {
    expect(statusFor('FLEET_UNAUTHORIZED')).toBe(401);
    expect(statusFor('FLEET_STATION_REVOKED')).toBe(403);
    expect(statusFor('FLEET_STATION_EXISTS')).toBe(409);
    expect(statusFor('INPUT_MISSING')).toBe(400);
    expect(statusFor('WX_QUOTA_EXCEEDED')).toBe(502);
    expect(statusFor('KEY_PASSPHRASE_REQUIRED')).toBe(503);
    expect(statusFor('INTERNAL')).toBe(500);
  });
});

describe('the server home', () => {
  it('is held by one server at a time; a lock left by a dead process is taken over', () => {
    const home = tmpDir();
    const release = lockServerHome(home);
    fs.writeFileSync(path.join(home, 'server.lock'), '1\n'); // pid 1 is always alive
    expect(code(() => lockServerHome(home))).toBe('FLEET_SERVER_RUNNING');
    fs.writeFileSync(path.join(home, 'server.lock'), '999999999\n');
    const again = lockServerHome(home);
    expect(fs.readFileSync(path.join(home, 'server.lock'), 'utf8').trim()).toBe(String(process.pid));
    again();
    release();
    expect(fs.existsSync(path.join(home, 'server.lock'))).toBe(false);
  });

  it('writes server.json 0600 and reads it back only while its process lives', () => {
    const home = tmpDir();
    const doc = { url: 'https://127.0.0.1:1', fingerprint: 'AB'.repeat(32), admin_token: 't', pid: process.pid };
    writeServerJson(home, doc);
    expect(fs.statSync(path.join(home, 'server.json')).mode & 0o777).toBe(0o600);
    expect(readServerJson(home)).toEqual({ ...doc, fingerprint: 'ab'.repeat(32) });
    writeServerJson(home, { ...doc, pid: 999999999 });
    expect(code(() => readServerJson(home))).toBe('FLEET_SERVER_NOT_RUNNING');
    removeServerJson(home); // another process's: kept
    expect(fs.existsSync(path.join(home, 'server.json'))).toBe(true);
    removeServerJson(home, 999999999);
    expect(code(() => readServerJson(home))).toBe('FLEET_SERVER_NOT_RUNNING');
  });
});
