import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprintForms } from '../../fleet/fingerprint.js';
import { DEFAULT_LISTEN, parseListen } from '../../server/config.js';
import { WxError } from '../../errors/wx-error.js';
import { checkDatabaseUrl } from '../../server/db/url.js';
import { serverHome } from '../../server/home.js';
import { optStr, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';

const USAGE = 'wxprov server --home <dir> [--database <postgres://…>] [--listen <host:port>] [--static-dir <dir>] [--json]';

export const operatorName = (env: NodeJS.ProcessEnv): string => {
  if (env.WXPROV_OPERATOR?.trim()) return env.WXPROV_OPERATOR.trim();
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
};

export const serverCommand: Command = {
  path: ['server'],
  usage: USAGE,
  summary: `Run the factory server from <dir> (HTTPS, default --listen ${DEFAULT_LISTEN}; PostgreSQL from --database or WXPROV_DATABASE_URL, else embedded in <dir>/pgdata); prints its URL and certificate fingerprint first`,
  options: { ...JSON_OPT, home: { type: 'string' }, database: { type: 'string' }, listen: { type: 'string' }, 'static-dir': { type: 'string' } },
  async run(v, _p, io) {
    const home = serverHome(str(v, 'home', USAGE));
    const listen = parseListen(optStr(v, 'listen') ?? DEFAULT_LISTEN);
    const database = optStr(v, 'database');
    if (database !== undefined) checkDatabaseUrl(database, '--database');
    // The dashboard's page: out/renderer unless given (as `wxprov ui --static-dir`: another
    // build, a test's own). A folder given without a page is a mistake said now, not at the
    // first browser's visit.
    const given = optStr(v, 'static-dir');
    const staticDir = given === undefined ? undefined : path.resolve(given);
    if (staticDir !== undefined && !fs.existsSync(path.join(staticDir, 'index.html')))
      throw new WxError('INPUT_INVALID', { field: '--static-dir', detail: `${staticDir} has no index.html`, allowed: 'a built renderer folder (out/renderer)' });
    // Owner-only from the start: the store's files, logs and certificate hold the fleet's records and keys.
    if (process.platform !== 'win32') process.umask(0o077);
    // Loaded only now: the server's modules (pg, PGlite, x509) are nothing the station's commands need.
    const { startFactoryServer } = await import('../../server/app.js');
    const { passwordNotice } = await import('../../server/dashboard/index.js');
    const server = await startFactoryServer({
      home,
      databaseUrl: database,
      listen,
      env: io.env,
      actor: operatorName(io.env),
      // A generated dashboard password is shown once, here, and nowhere else (never logged).
      dashboard: { staticDir, announcePassword: (p) => void io.stderr.write(passwordNotice(p)) },
    });
    // The first line on purpose: scripts and tests read it with `head -1`.
    if (v.json) io.stdout.write(JSON.stringify({ url: server.url, fingerprint: server.fingerprint, database: server.database }) + '\n');
    else {
      const fp = fingerprintForms(server.fingerprint);
      io.stdout.write(
        [
          server.url,
          `Factory server running at ${server.url} (Ctrl-C to stop) / 工厂服务器已启动（按 Ctrl-C 停止）`,
          `Certificate fingerprint (SHA-256), for stations to pin / 证书指纹:`,
          `  ${fp.hex}`,
          `  ${fp.colons}`,
          `Database: ${server.database === 'postgres' ? 'PostgreSQL' : `embedded, in ${home}/pgdata`}`,
          `Dashboard / 工厂看板: ${server.url}/ (admin login; WXPROV_ADMIN_PASSWORD sets the password)`,
          `Enroll a station: wxprov server enroll --station <code> --home ${home}`,
          '',
        ].join('\n'),
      );
    }
    if (!server.hostAppId) io.stderr.write('warning: WXPROV_APPID is not set: stations cannot join until the server is started with it (and WXPROV_APPSECRET)\n');
    if (server.keyring === 'no-passphrase') io.stderr.write('warning: WXPROV_KEY_PASSPHRASE is not set: product keys cannot be made or used until the server is started with it\n');
    await io.interrupted;
    await server.close();
  },
};
