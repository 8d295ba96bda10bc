import crypto from 'node:crypto';
import path from 'node:path';
import type { Mode } from '../../../preload/contract.js';
import { createContext, type CoreContext, type KeystoreOptions } from '../context.js';
import { PassphraseSealer } from '../keys/passphrase-sealer.js';
import { Settings } from '../registry/settings.js';
import { isJoined } from '../fleet/membership.js';
import { FleetWorker } from '../fleet/worker.js';
import { MesWorker } from '../mes/worker.js';
import { SyncWorker, type SyncStatus, type SyncWorkerOptions } from '../registry/sync-worker.js';
import type { StationOptions } from '../serial/station.js';
import { SimWorld, type SimWorldOptions } from './sim-world.js';

/** What one mode runs on: the core context, the background sync, and in simulation the simulated world. */
export interface Runtime {
  mode: Mode;
  ctx: CoreContext;
  worker: SyncWorker;
  /** A station in a fleet: its uplink, downlink and block refills in the background (fleet/worker.ts). */
  fleet?: FleetWorker;
  /** The MES report outbox's sender (idle while no report address is set). */
  mes: MesWorker;
  /** Simulation only. */
  world?: SimWorld;
  /** How the line opens a slot's port when not as a serial port: simulation's in-process fixtures. */
  openPort?: StationOptions['open'];
  close(): Promise<void>;
}

export interface RuntimeCommon {
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  sync?: Omit<SyncWorkerOptions, 'onStatus'>;
  onSync: (s: SyncStatus) => void;
  /** better-sqlite3's Electron build, from the Electron main (db/open.ts). */
  nativeBinding?: string;
}

export const SIM_STATION_CODE = 'SIM1';

function withWorker(mode: Mode, ctx: CoreContext, c: RuntimeCommon, world?: SimWorld): Runtime {
  const worker = new SyncWorker(ctx, { ...c.sync, onStatus: c.onSync });
  worker.start();
  const fleet = isJoined(ctx.db) ? new FleetWorker(ctx) : undefined;
  fleet?.start();
  const mes = new MesWorker(ctx).start();
  let closing: Promise<void> | undefined;
  return {
    mode,
    ctx,
    worker,
    fleet,
    mes,
    world,
    openPort: world ? (p, baud) => world.openPort(p, baud) : undefined,
    close: () =>
      (closing ??= (async () => {
        await worker.stop();
        await fleet?.stop();
        await mes.stop();
        ctx.close();
        await world?.close();
      })()),
  };
}

/**
 * The account's data in `home` (shared with the CLI), the API where the environment says; the
 * credentials and keys are the ones sealed in the data dir's key store, reached as `keystore` says.
 */
export function openReal(home: string, legacyAppid: string | undefined, keystore: KeystoreOptions, c: RuntimeCommon): Runtime {
  const env: NodeJS.ProcessEnv = {
    ...c.env,
    WXPROV_HOME: home,
    // Only what the app saved counts: credentials in the environment are the CLI's business.
    WXPROV_APPID: legacyAppid ?? '',
    WXPROV_APPSECRET: '',
  };
  const ctx = createContext({ env, now: c.now, keystore, nativeBinding: c.nativeBinding });
  return withWorker('real', ctx, c);
}

/**
 * A fresh simulated world under `<home>/simulation` (wiped), the simulator's credentials, an
 * in-memory random passphrase for sealing keys, station code SIM1.
 */
export async function openSimulation(home: string, c: RuntimeCommon, o: SimWorldOptions = {}): Promise<Runtime> {
  const world = await SimWorld.start(path.join(home, 'simulation'), o);
  let ctx: CoreContext | undefined;
  try {
    const passphrase = crypto.randomBytes(24).toString('base64');
    ctx = createContext({
      env: {
        WXPROV_HOME: world.dir,
        WXPROV_API_BASE: world.sim.url,
        WXPROV_APPID: world.sim.appid,
        WXPROV_APPSECRET: world.sim.appsecret,
        // The key store of the throwaway world (secrets such as the MES token) opens with the same throwaway passphrase.
        WXPROV_KEY_PASSPHRASE: passphrase,
        ...(c.env.WXPROV_OPERATOR ? { WXPROV_OPERATOR: c.env.WXPROV_OPERATOR } : {}),
      },
      now: c.now,
      sealer: () => new PassphraseSealer(passphrase),
      nativeBinding: c.nativeBinding,
    });
    const at = (c.now?.() ?? new Date()).toISOString();
    new Settings(ctx.db).set('station_code', SIM_STATION_CODE, at, ctx.actor);
    return withWorker('simulation', ctx, c, world);
  } catch (e) {
    ctx?.close();
    await world.close();
    throw e;
  }
}
