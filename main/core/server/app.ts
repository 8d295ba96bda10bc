import crypto from 'node:crypto';
import os from 'node:os';
import { rendererDir } from '../config/package-root.js';
import { ensurePrivateDir, type Tightened } from '../config/private-files.js';
import { createLogger, fileSink, type Logger, type Sink } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import { WechatClient, type WechatClientOptions } from '../wechat/client.js';
import { readServerEnv, serverCredentials } from './config.js';
import { openServerDb } from './db/open.js';
import type { ServerDb, StoreKind } from './db/server-db.js';
import { lockServerHome, removeServerJson, writeServerJson } from './home.js';
import { startHttpsServer, type RunningHttpsServer } from './http/server.js';
import { Router } from './http/router.js';
import { ServerKeys } from './keys/key-service.js';
import { ServerKeyring } from './keys/keyring.js';
import { ProductSigners } from './keys/product-signer.js';
import { BlockService } from './fleet/blocks.js';
import { SignService } from './fleet/sign.js';
import { registrationPass } from './registrations/pass.js';
import { RegistrationWorker, type RegistrationWorkerOptions } from './registrations/worker.js';
import { serverMesCheck } from './mes/check.js';
import { ServerMesWorker } from './mes/worker.js';
import { ServerProducts } from './products/product-service.js';
import { passwordNotice, setUpDashboard } from './dashboard/index.js';
import { adminRoutes } from './routes/admin-routes.js';
import { stationRoutes } from './routes/station-routes.js';
import { StationService } from './stations/station-service.js';
import { ensureServerTls } from './tls/certificate.js';

export interface FactoryServerOptions {
  /** Absolute: the server's home (tls/, pgdata/, logs/, server.json). */
  home: string;
  /** postgres://…; else WXPROV_DATABASE_URL; else the embedded store in the home. */
  databaseUrl?: string;
  listen: { host: string; port: number };
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Who started it, for the records (the OS user). */
  actor?: string;
  extraSinks?: Sink[];
  wechat?: Partial<WechatClientOptions>;
  /** The background registration worker: its timing, batch size, or `enabled: false` (then only `wxprov server sync` registers). */
  registration?: RegistrationWorkerOptions & { batchSize?: number; enabled?: boolean };
  /** The dashboard: the built renderer it serves (default out/renderer), where a generated admin password is shown once (default stderr), and its clock's time zone for "today". */
  dashboard?: { staticDir?: string; announcePassword?(password: string): void; timeZone?: string };
}

export interface FactoryServer {
  /** What stations use: https://<address>:<port>. */
  url: string;
  /** SHA-256 of the certificate, 64 lower-case hex digits. */
  fingerprint: string;
  database: StoreKind;
  home: string;
  port: number;
  /** Whether a host AppID is set (without it stations cannot join). */
  hostAppId?: string;
  keyring: 'unlocked' | 'created' | 'no-passphrase';
  log: Logger;
  close(): Promise<void>;
}

/** The address stations should use: the listen address, or for "every address" this computer's first LAN IPv4 address. */
export function publicHost(listenHost: string, interfaces = os.networkInterfaces()): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::' && listenHost !== '') return listenHost;
  for (const list of Object.values(interfaces)) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

const urlOf = (host: string, port: number) => `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Starts the factory server from its home: lock the home (one server per home), open and
 * migrate the store, unlock the keyring, load or make the certificate, listen, then write
 * server.json (0600: url, fingerprint, this run's admin token, pid). close() undoes it all in
 * reverse and removes server.json. A start that fails half way closes what it opened.
 *
 * The admin token is new at every start and exists only in this process and server.json: it
 * guards the admin routes, which answer only on this computer; a server.json left by a crash
 * holds a token no running server accepts.
 */
export async function startFactoryServer(o: FactoryServerOptions): Promise<FactoryServer> {
  const now = o.now ?? (() => new Date());
  const actor = o.actor ?? 'server';
  const env = readServerEnv(o.env);
  ensurePrivateDir(o.home);
  const unlockHome = lockServerHome(o.home);
  const tightened: Tightened[] = [];
  const file = fileSink(o.home, { onTightened: (t) => tightened.push(t) });
  const log = createLogger([file, ...(o.extraSinks ?? [])]);
  for (const t of tightened) log.warn('fs.tightened', { ...t });
  const undo: (() => Promise<void> | void)[] = [
    () => unlockHome(),
    () => {
      log.flush();
      file.close();
    },
  ];
  const unwind = async () => {
    for (const f of undo.splice(0).reverse()) {
      try {
        await f();
      } catch (e) {
        log.warn('server.stop_step_failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  try {
    const db: ServerDb = await openServerDb({ url: o.databaseUrl ?? env.databaseUrl, home: o.home, log });
    undo.push(() => db.close());
    const keyring = new ServerKeyring(db, { passphrase: env.keyPassphrase, now, actor, log });
    undo.push(() => keyring.close());
    const keyringState = await keyring.open();
    const tls = await ensureServerTls(o.home, { hosts: [os.hostname(), o.listen.host], now: now() });
    if (tls.created) log.info('tls.created', { fingerprint: tls.fingerprint });

    let client: WechatClient | undefined;
    const wechat = () =>
      (client ??= new WechatClient({ apiBase: env.apiBase, credentials: serverCredentials(env), tokenMode: env.tokenMode, logger: log, ...o.wechat }));
    const deps = { db, now, log, wechat };
    const stations = new StationService(db, { now, log });
    const products = new ServerProducts(deps);
    const keys = new ServerKeys({ ...deps, keyring, pkcs11Pin: env.pkcs11Pin });
    const signers = new ProductSigners(keyring, env.pkcs11Pin);
    undo.push(() => signers.clear());
    const registration = new RegistrationWorker(
      () => registrationPass({ db, wechat, now, log, worker: `server:${process.pid}` }, { batchSize: o.registration?.batchSize }),
      log,
      o.registration,
    );
    // Stopped before the store closes (a pass in flight finishes or rolls back first), after the HTTPS front.
    undo.push(() => registration.stop());
    const onQueued = () => registration.nudge();
    // The MES the server holds for its stations: reports of what they uplink, sent in the background.
    const mes = new ServerMesWorker({ db, now, log, token: env.mesToken });
    undo.push(() => mes.stop());
    const blocks = new BlockService({ db, now, log, signers, onQueued });
    const signing = new SignService({ db, now, log, signers, onQueued });
    const dashboard = await setUpDashboard({
      db,
      env: o.env,
      now,
      log,
      staticDir: o.dashboard?.staticDir ?? rendererDir(),
      announcePassword: o.dashboard?.announcePassword ?? ((p) => process.stderr.write(passwordNotice(p))),
      timeZone: o.dashboard?.timeZone,
    });
    const router = new Router().add(
      ...dashboard.routes,
      ...stationRoutes({
        db,
        stations,
        blocks,
        signing,
        now,
        log,
        hostAppId: env.appid,
        mesCheck: (req) => serverMesCheck(db, { token: env.mesToken }, req),
        onUplink: () => mes.nudge(),
      }),
      ...adminRoutes({ db, stations, products, keys, registerNow: () => registration.runNow(), mes: { now, sync: () => mes.sync(), token: env.mesToken ? 'environment' : 'none' } }),
    );

    const adminToken = crypto.randomBytes(32).toString('base64url');
    redactor.add(adminToken);
    const http: RunningHttpsServer = await startHttpsServer({
      keyPem: tls.keyPem,
      certPem: tls.certPem,
      router,
      adminToken,
      authenticateStation: (c) => stations.authenticate(c),
      onStationCall: dashboard.onStationCall,
      authenticateDashboard: dashboard.authenticate,
      log,
      host: o.listen.host,
      port: o.listen.port,
    });
    undo.push(() => http.close());
    const url = urlOf(publicHost(o.listen.host), http.port);
    writeServerJson(o.home, { url, fingerprint: tls.fingerprint, admin_token: adminToken, pid: process.pid });
    undo.push(() => removeServerJson(o.home));
    if (o.registration?.enabled !== false) registration.start();
    mes.start();
    log.info('server.started', { url, fingerprint: tls.fingerprint, database: db.kind, listen: `${o.listen.host}:${http.port}`, keyring: keyringState, host_app_id: env.appid ?? null });
    if (!env.appid) log.warn('server.no_host_appid', { hint: 'stations cannot join until WXPROV_APPID is set' });
    let closing: Promise<void> | undefined;
    return {
      url,
      fingerprint: tls.fingerprint,
      database: db.kind,
      home: o.home,
      port: http.port,
      hostAppId: env.appid,
      keyring: keyringState,
      log,
      close: () =>
        (closing ??= (async () => {
          log.info('server.stopping', {});
          await unwind();
        })()),
    };
  } catch (e) {
    log.error('server.start_failed', { error: e instanceof Error ? e.message : String(e) });
    await unwind();
    throw e;
  }
}
