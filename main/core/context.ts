import os from 'node:os';
import { readEnv, requireCredentials, type StationEnv } from './config/env.js';
import { machineId, useMachine } from './config/machine.js';
import type { Tightened } from './config/private-files.js';
import { openDb, type Db } from './db/open.js';
import { WxError } from './errors/wx-error.js';
import { PassphraseSealer } from './keys/passphrase-sealer.js';
import type { Sealer } from './keys/sealer.js';
import { createLogger, fileSink, type Logger, type Sink } from './log/logger.js';
import { redactor } from './log/redact.js';
import { Settings } from './registry/settings.js';
import { WechatClient, type WechatClientOptions } from './wechat/client.js';

/**
 * What every core service needs, built once per process (CLI run, app, test). Effects that
 * tests want to drive (the clock, the HTTP fetch, the sealer) are fields, not imports.
 */
export interface CoreContext {
  env: StationEnv;
  db: Db;
  log: Logger;
  now: () => Date;
  /** Who is acting, for the records: the operator name in the app, the OS user on the CLI. */
  actor: string;
  /** This computer's digest (config/machine.ts): the station code is bound to it. */
  machine: string;
  /** The API client; built on first use because most commands never need the network. */
  wechat(): WechatClient;
  /** The sealer for private keys; asks for the passphrase only when a key is sealed or used. */
  sealer(): Sealer;
  close(): void;
}

export interface ContextOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  actor?: string;
  sealer?: () => Sealer;
  extraSinks?: Sink[];
  wechat?: Partial<WechatClientOptions>;
  /** This computer's digest; default from WXPROV_MACHINE_ID or the OS (config/machine.ts). */
  machine?: string;
}

export function createContext(o: ContextOptions = {}): CoreContext {
  const env = readEnv(o.env ?? process.env);
  redactor.add(env.appsecret);
  redactor.add(env.keyPassphrase);
  const tightened: Tightened[] = [];
  const db = openDb(env.home, undefined, (t) => tightened.push(t));
  const file = fileSink(env.home, { onTightened: (t) => tightened.push(t) });
  const log = createLogger([file, ...(o.extraSinks ?? [])]);
  for (const t of tightened) log.warn('fs.tightened', { ...t });
  const now = o.now ?? (() => new Date());
  const actor = o.actor ?? (o.env ?? process.env).WXPROV_OPERATOR ?? safeUser();
  const machine = o.machine ?? machineId(env.machineId);
  useMachine(db, machine);
  const settings = new Settings(db);
  // The upgrade path for data dirs made before the station code was bound to a computer.
  if (settings.adoptMachine(machine, now().toISOString(), actor)) log.info('station.machine_adopted', { station_code: settings.get('station_code') });
  let client: WechatClient | undefined;
  let sealer: Sealer | undefined;
  return {
    env,
    db,
    log,
    now,
    actor,
    machine,
    wechat() {
      client ??= new WechatClient({
        apiBase: env.apiBase,
        credentials: requireCredentials(env),
        tokenMode: env.tokenMode,
        logger: log,
        ...o.wechat,
      });
      return client;
    },
    sealer() {
      if (sealer) return sealer;
      if (o.sealer) return (sealer = o.sealer());
      if (!env.keyPassphrase) throw new WxError('KEY_PASSPHRASE_REQUIRED');
      return (sealer = new PassphraseSealer(env.keyPassphrase));
    },
    close() {
      log.flush();
      file.close();
      db.close();
    },
  };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
