import os from 'node:os';
import { generateKeyPair } from '../main/core/keys/ecdsa.js';
import { defaultSignPoolSize } from '../main/core/keys/sign-pool.js';
import { batchThroughput } from './batch.js';
import { opensslSpeedSignRate, opensslVersion, perDeviceScriptRate } from './openssl.js';
import { inProcessSignRate } from './sign.js';
import { goal, measure, ratio, type BenchSuite, type Metric } from './suite.js';

export interface KeysBenchOptions {
  /** Seconds of in-process signing. */
  signSeconds: number;
  /** Ids through batchSign. */
  batchIds: number;
  /** `openssl speed -seconds` (openssl spends as long again on verify). */
  speedSeconds: number;
  /** Devices through the per-device openssl script. */
  scriptDevices: number;
  /** Signing threads for the batch; the CLI's default (defaultSignPoolSize) when omitted. */
  poolSize?: number;
}

export const KEYS_DEFAULTS: KeysBenchOptions = { signSeconds: 3, batchIds: 100_000, speedSeconds: 3, scriptDevices: 20 };

/** Goals: in-process signing keeps up with openssl's own loop; batch signing dwarfs the per-device script. */
export const SIGN_VS_OPENSSL_GOAL = 0.5;
export const BATCH_VS_SCRIPT_GOAL = 1000;

export function keysSuite(o: KeysBenchOptions = KEYS_DEFAULTS): BenchSuite {
  return {
    name: 'keys',
    description: 'device-id signing: in-process, batch CSV, openssl speed, per-device openssl script',
    async run(log) {
      const PID = 1_000_001;
      const { privateKey, publicKey } = generateKeyPair();

      // In-process signing is timed in two halves around `openssl speed`, so drift in a shared
      // machine's CPU (other load, frequency) hits both sides of the ratio alike.
      const half = o.signSeconds / 2;
      const signRuns: (number | Error)[] = [];
      const signHalf = () => {
        try {
          signRuns.push(inProcessSignRate(privateKey, PID, half).rate);
        } catch (e) {
          signRuns.push(e as Error);
        }
      };
      log(`in-process signDeviceId, first ${half} s`);
      signHalf();

      let version = 'n/a';
      try {
        version = opensslVersion();
      } catch (e) {
        version = `unavailable (${(e as Error).message.split('\n')[0]})`;
      }
      log(`openssl speed -seconds ${o.speedSeconds} ecdsap256 (~${2 * o.speedSeconds} s: it times verify too)`);
      const speed = await measure(
        { key: 'openssl_speed_sign_per_s', label: 'openssl speed ecdsap256', unit: 'sign/s', note: 'raw sign of a ready digest, 1 thread' },
        () => opensslSpeedSignRate(o.speedSeconds),
      );

      log(`in-process signDeviceId, second ${half} s`);
      signHalf();
      const sign = await measure(
        {
          key: 'inproc_sign_per_s',
          label: 'in-process signDeviceId',
          unit: 'sign/s',
          note: `SHA-256 + ECDSA P-256 + DER + base64, 1 thread (halves: ${signRuns.map((r) => (typeof r === 'number' ? Math.round(r) : '-')).join(', ')})`,
        },
        () => {
          const bad = signRuns.find((r): r is Error => r instanceof Error);
          if (bad) throw bad;
          return ((signRuns[0] as number) + (signRuns[1] as number)) / 2;
        },
      );

      // The CLI's `sign --file` path: KeyService.batchSigner (a pool of signing threads) → batchSign.
      const poolSize = o.poolSize ?? defaultSignPoolSize();
      log(`batchSign over ${o.batchIds.toLocaleString('en-US')} generated ids, signing pool of ${poolSize}`);
      let batchNote = '';
      const batch = await measure({ key: 'batch_ids_per_s', label: 'batch CSV (batchSign, signing pool)', unit: 'ids/s', note: '' }, async () => {
        const r = await batchThroughput(privateKey, publicKey, PID, o.batchIds, { poolSize });
        // Cores busy tells a loaded machine from a slow path: ~pool size + a little when the CPUs are free.
        batchNote =
          `${r.ids.toLocaleString('en-US')} ids in ${r.seconds.toFixed(2)} s, pool of ${r.poolSize} threads, ` +
          `${(r.cpuSeconds / r.seconds).toFixed(2)} cores busy, ${(r.bytes / 1e6).toFixed(1)} MB out`;
        return r.rate;
      });
      batch.note = batchNote;

      log(`per-device openssl script over ${o.scriptDevices} devices`);
      let scriptNote = '';
      const script = await measure({ key: 'script_devices_per_s', label: 'per-device openssl script', unit: 'devices/s', note: '' }, () => {
        const r = perDeviceScriptRate(privateKey, publicKey, PID, o.scriptDevices);
        scriptNote = `${r.devices} devices, ${r.processes} openssl processes (sign, base64, verify) in ${r.seconds.toFixed(2)} s`;
        return r.rate;
      });
      script.note = scriptNote;

      const metrics: Metric[] = [sign, batch, speed, script];
      return {
        metrics,
        goals: [
          goal('sign_vs_openssl_speed', 'in-process sign / openssl speed sign', ratio(sign.value, speed.value), '>=', SIGN_VS_OPENSSL_GOAL),
          goal('batch_vs_script', 'batch ids/s / script devices/s', ratio(batch.value, script.value), '>=', BATCH_VS_SCRIPT_GOAL),
        ],
        info: {
          node: process.version,
          openssl: version,
          node_openssl: process.versions.openssl,
          cpu: os.cpus()[0]?.model ?? 'unknown',
          cpus: os.cpus().length,
          batch_ids: o.batchIds,
          batch_pool_size: poolSize,
          script_devices: o.scriptDevices,
        },
      };
    },
  };
}
