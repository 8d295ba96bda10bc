import os from 'node:os';
import { readEnv, requireCredentials, type Credentials, type StationEnv } from './config/env.js';
import { machineId, useMachine } from './config/machine.js';
import type { Tightened } from './config/private-files.js';
import { openDb, type Db } from './db/open.js';
import { storedDownlink } from './fleet/downlink.js';
import { DataKeyHolder } from './keys/data-key.js';
import type { OsKeychain } from './keys/keychain.js';
import { effectiveAppid, effectiveSecret } from './keys/saved-credentials.js';
import type { Opener, Sealer } from './keys/sealer.js';
import { KeyVault, type VaultOptions } from './keys/vault.js';
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
  /** The hostAppId credentials the client uses: the environment's, else the pair the app saved in the key store. */
  credentials(): Credentials;
  /** The sealer for private keys: the key store's, unlocked only when a key is sealed or used. */
  sealer(): Sealer;
  /** This data dir's key store (keys/vault.ts). */
  vault(): KeyVault;
  close(): void;
}

export interface ContextOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  actor?: string;
  /** Instead of the key store (simulation's throwaway world). */
  sealer?: () => Sealer;
  keystore?: KeystoreOptions;
  extraSinks?: Sink[];
  wechat?: Partial<WechatClientOptions>;
  /** This computer's digest; default from WXPROV_MACHINE_ID or the OS (config/machine.ts). */
  machine?: string;
  /** better-sqlite3's addon for a runtime that is not plain Node (the Electron main's build, db/open.ts). */
  nativeBinding?: string;
}

/** How this process reaches the key store; the CLI's defaults are a holder of its own and WXPROV_KEY_PASSPHRASE. */
export interface KeystoreOptions {
  /** The app's, which outlives its contexts. */
  holder?: DataKeyHolder;
  keychain?: OsKeychain;
  legacy?: readonly Opener[];
  /** The app: a locked store is KEYSTORE_LOCKED (the UI asks), and WXPROV_KEY_PASSPHRASE is used once at start, not on every use. */
  ask?: boolean;
  onUnlock?: VaultOptions['onUnlock'];
}

export function createContext(o: ContextOptions = {}): CoreContext {
  const env = readEnv(o.env ?? process.env);
  redactor.add(env.appsecret);
  redactor.add(env.keyPassphrase);
  redactor.add(env.pkcs11Pin);
  redactor.add(env.mesToken);
  const tightened: Tightened[] = [];
  const db = openDb(env.home, undefined, (t) => tightened.push(t), o.nativeBinding);
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
  const ks = o.keystore ?? {};
  const holder = ks.holder ?? new DataKeyHolder();
  const vault = new KeyVault(db, {
    holder,
    keychain: ks.keychain,
    legacy: ks.legacy,
    passphrase: ks.ask ? undefined : env.keyPassphrase,
    ask: ks.ask ?? false,
    onUnlock: ks.onUnlock,
    now,
    actor,
    log,
  });
  // The AppID saved beside the app's AppSecret, unless the environment names one (the line and preflight read it here).
  // A station in a fleet takes the server's, from the last downlink: the server owns the hostAppId.
  env.appid = storedDownlink(db)?.host_app_id ?? effectiveAppid(env, vault);
  let client: WechatClient | undefined;
  let sealer: Sealer | undefined;
  const credentials = () => requireCredentials({ ...env, appsecret: effectiveSecret(env, vault) });
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
        credentials: credentials(),
        tokenMode: env.tokenMode,
        logger: log,
        ...o.wechat,
      });
      return client;
    },
    credentials,
    sealer() {
      return (sealer ??= o.sealer ? o.sealer() : vault.sealer());
    },
    vault: () => vault,
    close() {
      // A holder of its own dies with the context; the app's outlives it.
      if (!ks.holder) holder.clear();
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
