import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AdbClient } from '../main/core/adb/client.js';
import { createContext, type CoreContext } from '../main/core/context.js';
import { encodeFrame, field, parseLine, type Frame } from '../main/core/serial/frame.js';
import { LineSplitter } from '../main/core/serial/line-splitter.js';
import { PRELOCKED_IDENTITY } from '../main/core/sim/device/index.js';
import { startWechatSim, type WechatSim } from '../main/core/sim/wechat-sim.js';
import { cli, timedStation, type StationRun } from './serial.js';
import { goal, measure, ratio, type BenchSuite, type Goal, type Metric } from './suite.js';
import { nowS } from './timing.js';

/**
 * The station over its stream transports, TCP (a networked jig) and ADB (an Android unit's
 * agent through the ADB server), against baselines measured in the same run:
 * (a) a unit's cycle over each vs the unit's COMMIT plus one loopback round-trip per exchange
 *     the cycle makes (exchanges counted from the unit's own log);
 * (b) 32 ADB units at once: the station's speed-up over 1 unit vs the speed-up a bare WXP/1
 *     client (no station logic) gets from the same simulated units through the same ADB server.
 * The units (and the simulated ADB server) run in a child process, `bench/transport-units.ts`.
 */
export interface TransportsBenchOptions {
  /** How long the unit takes to COMMIT. */
  commitMs: number;
  /** (a): units through one slot per transport; the median of all but the first is the result. */
  cycleUnits: number;
  /** (b): ADB devices in the wide run, and units through each device in every run. */
  adbUnits: number;
  unitsPerDevice: number;
  /** Bare round-trips (HELLO ping-pongs) per path, and bare COMMITs per path. */
  rttSamples: number;
  commitSamples: number;
}

const envInt = (name: string, dflt: number): number => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : dflt;
};

export function transportsDefaults(): TransportsBenchOptions {
  return {
    commitMs: envInt('WXPROV_BENCH_COMMIT_MS', 100),
    cycleUnits: envInt('WXPROV_BENCH_CYCLE_UNITS', 9),
    adbUnits: envInt('WXPROV_BENCH_ADB_UNITS', 32),
    unitsPerDevice: envInt('WXPROV_BENCH_ADB_UNITS_PER_DEVICE', 4),
    rttSamples: envInt('WXPROV_BENCH_RTT_SAMPLES', 300),
    commitSamples: envInt('WXPROV_BENCH_COMMIT_SAMPLES', 10),
  };
}

/** Goals: a cycle takes at most 1.2x COMMIT + one round-trip per exchange; the station keeps 90% of a bare client's speed-up. */
export const TRANSPORT_CYCLE_GOAL = 1.2;
export const ADB_SPEEDUP_GOAL = 0.9;

/** The station's poll period and HELLO allowance (its defaults): the bare client polls as often, so both load the units alike. */
const POLL_MS = 300;
const ANSWER_MS = 500;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UNITS_ENTRY = path.join(ROOT, 'bench/transport-units.ts');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ── the units' process ─────────────────────────────────────────────────────────

interface Slot {
  tcp: string;
  serial: string;
}

interface UnitsProcess {
  adbPort: number;
  slots: Slot[];
  probe: Slot;
  /** Every slot gets a fixture of `units` new blank units (same TCP port, same ADB device). */
  reset(tag: string, units: number): Promise<void>;
  /** The requests each unit received since the last dump, and the process's CPU since then. */
  dump(): Promise<{ verbs: Record<string, string[]>; cpu_ms: number }>;
  stop(): Promise<void>;
}

async function startUnits(dir: string, slots: number, commitMs: number): Promise<UnitsProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', UNITS_ENTRY, JSON.stringify({ dir, slots, commitMs })], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let errText = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (errText = (errText + d).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  const rl = readline.createInterface({ input: child.stdout! });
  rl.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const take = (l: string) => {
        const o = JSON.parse(l) as Record<string, unknown>;
        if (typeof o.error === 'string') reject(new Error(`units process: ${o.error}`));
        else resolve(o);
      };
      const l = lines.shift();
      if (l !== undefined) return take(l);
      const onExit = () => reject(new Error(`units process exited: ${errText.trim().split('\n').slice(-3).join(' | ')}`));
      child.once('exit', onExit);
      waiters.push((line) => {
        child.off('exit', onExit);
        take(line);
      });
    });
  const first = (await next()) as { adb_port: number; slots: Slot[]; probe: Slot };
  const cmd = async (line: string) => {
    child.stdin!.write(line + '\n');
    return next();
  };
  return {
    adbPort: first.adb_port,
    slots: first.slots,
    probe: first.probe,
    async reset(tag, units) {
      await cmd(`reset ${tag} ${units}`);
    },
    async dump() {
      return (await cmd('dump')) as { verbs: Record<string, string[]>; cpu_ms: number };
    },
    async stop() {
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

// ── a bare WXP/1 client: frames, nothing else ───────────────────────────────────

class BareWxp {
  private pending?: { subject: string; resolve: (f: Frame | null) => void; timer: NodeJS.Timeout };

  private constructor(private readonly socket: net.Socket) {
    const splitter = new LineSplitter((line) => {
      const p = parseLine(line);
      if (p.kind !== 'frame' || (p.frame.verb !== 'OK' && p.frame.verb !== 'ERR')) return;
      const w = this.pending;
      if (!w || p.frame.subject !== w.subject) return;
      this.pending = undefined;
      clearTimeout(w.timer);
      w.resolve(p.frame);
    });
    socket.on('data', (c: Buffer) => splitter.push(c));
    socket.on('error', () => {});
    socket.resume();
  }

  static tcp(spec: string): Promise<BareWxp> {
    const m = /^tcp:(.+):(\d+)$/.exec(spec)!;
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: m[1], port: Number(m[2]), noDelay: true });
      s.once('error', reject);
      s.once('connect', () => (s.off('error', reject), resolve(new BareWxp(s))));
    });
  }

  static async adb(adbPort: number, serial: string): Promise<BareWxp> {
    const s = await new AdbClient({ host: '127.0.0.1', port: adbPort }).openService(serial, 'localabstract:wmpf-wxp');
    s.setNoDelay(true);
    return new BareWxp(s);
  }

  /** One exchange: the answer frame, or null after `timeoutMs` of silence. */
  request(verb: string, fields: Record<string, string | number> = {}, timeoutMs = ANSWER_MS): Promise<Frame | null> {
    return new Promise((resolve) => {
      this.pending = { subject: verb, resolve, timer: setTimeout(() => ((this.pending = undefined), resolve(null)), timeoutMs) };
      this.socket.write(encodeFrame(verb, fields) + '\n', 'latin1');
    });
  }

  /** An exchange that must succeed. */
  async ok(verb: string, fields: Record<string, string | number> = {}, timeoutMs = ANSWER_MS): Promise<Frame> {
    const a = await this.request(verb, fields, timeoutMs);
    if (!a) throw new Error(`bare client: no answer to ${verb}`);
    if (a.verb !== 'OK') throw new Error(`bare client: ${verb} answered ERR ${field(a, 'code')}`);
    return a;
  }

  close(): void {
    this.socket.destroy();
  }
}

const identity = (deviceId: string) => ({ ...PRELOCKED_IDENTITY, device_id: deviceId });

/** HELLO ping-pongs and COMMITs against the probe unit over one path: the transport's own per-exchange cost. */
async function probePath(open: () => Promise<BareWxp>, o: TransportsBenchOptions): Promise<{ rttMs: number; commitExchangeMs: number; commitUnitMs: number }> {
  const c = await open();
  try {
    for (let i = 0; i < 30; i++) await c.ok('HELLO');
    const rtts: number[] = [];
    for (let i = 0; i < o.rttSamples; i++) {
      const t = nowS();
      await c.ok('HELLO');
      rtts.push((nowS() - t) * 1000);
    }
    const commits: number[] = [];
    for (let i = 0; i < o.commitSamples; i++) {
      await c.ok('ERASE');
      await c.ok('WRITE', identity(`PROBE${i}`));
      const t = nowS();
      await c.ok('COMMIT', {}, 5000);
      commits.push((nowS() - t) * 1000);
    }
    await c.ok('ERASE');
    const rttMs = median(rtts);
    const commitExchangeMs = median(commits);
    return { rttMs, commitExchangeMs, commitUnitMs: commitExchangeMs - rttMs };
  } finally {
    c.close();
  }
}

interface UnitTiming {
  hwid: string;
  startS: number;
  endS: number;
}

/**
 * A bare client on one slot: poll HELLO every POLL_MS, and each new blank unit gets HELLO, WRITE,
 * READ, COMMIT, HELLO (the exchanges a station's PASS makes), until `units` are done.
 */
async function bareSlot(c: BareWxp, slot: number, units: number): Promise<UnitTiming[]> {
  const done: UnitTiming[] = [];
  const seen = new Set<string>();
  const deadline = nowS() + 60 + units * 10;
  while (done.length < units) {
    if (nowS() > deadline) throw new Error(`bare client: slot ${slot} did only ${done.length} of ${units} units`);
    const a = await c.request('HELLO');
    const hwid = a && a.verb === 'OK' ? field(a, 'hwid') : undefined;
    if (hwid && field(a!, 'state') === 'blank' && !seen.has(hwid)) {
      seen.add(hwid);
      const startS = nowS();
      await c.ok('HELLO');
      const id = identity(`BARE${slot}X${done.length}`);
      await c.ok('WRITE', id);
      const back = await c.ok('READ');
      if (field(back, 'device_id') !== id.device_id) throw new Error(`bare client: read back ${field(back, 'device_id')}`);
      await c.ok('COMMIT', {}, 5000);
      const confirm = await c.ok('HELLO');
      if (field(confirm, 'state') !== 'locked') throw new Error(`bare client: unit ${hwid} not locked after COMMIT`);
      done.push({ hwid, startS, endS: nowS() });
    }
    await sleep(POLL_MS);
  }
  return done;
}

async function bareRun(u: UnitsProcess, devices: number, units: number): Promise<{ timings: UnitTiming[]; seconds: number }> {
  const clients = await Promise.all(u.slots.slice(0, devices).map((s) => BareWxp.adb(u.adbPort, s.serial)));
  try {
    const per = await Promise.all(clients.map((c, i) => bareSlot(c, i, units)));
    const timings = per.flat();
    return { timings, seconds: Math.max(...timings.map((t) => t.endS)) - Math.min(...timings.map((t) => t.startS)) };
  } finally {
    for (const c of clients) c.close();
  }
}

// ── the station ─────────────────────────────────────────────────────────────

/** runStation in this process over `specs` until `count` units have a result; every one must PASS. */
async function stationRun(ctx: CoreContext, pid: number, specs: string[], count: number): Promise<StationRun> {
  const run = await timedStation(ctx, pid, specs, count);
  const bad = run.units.filter((x) => x.result !== 'PASS');
  if (bad.length) throw new Error(`${bad.length} units did not PASS: ${bad.map((x) => `${x.result} ${x.step} ${x.code}`).join(', ')}`);
  return run;
}

/**
 * The requests one PASS cycle makes, from the unit's own log: from the HELLO that starts the
 * provisioning (the one right before the first non-HELLO request) to the first HELLO after COMMIT.
 */
function cycleExchanges(verbs: string[]): { count: number; seq: string[] } | undefined {
  const firstWork = verbs.findIndex((v) => v !== 'HELLO');
  const commit = verbs.indexOf('COMMIT');
  if (firstWork < 1 || commit < 0) return undefined;
  const confirm = verbs.indexOf('HELLO', commit);
  if (confirm < 0) return undefined;
  const seq = verbs.slice(firstWork - 1, confirm + 1);
  return { count: seq.length, seq };
}

export function transportsSuite(o: TransportsBenchOptions = transportsDefaults()): BenchSuite {
  return {
    name: 'transports',
    description: 'the station over TCP and ADB: a cycle vs COMMIT + a round-trip per exchange; 32 ADB units vs a bare client\'s speed-up',
    async run(log) {
      const metrics: Metric[] = [];
      const goals: Goal[] = [];
      const info: Record<string, string | number | boolean> = { commit_ms: o.commitMs, cycle_units: o.cycleUnits, adb_units: o.adbUnits, units_per_device: o.unitsPerDevice, cpus: os.cpus().length };
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-transports-'));
      let sim: WechatSim | undefined;
      let ctx: CoreContext | undefined;
      let units: UnitsProcess | undefined;
      try {
        sim = await startWechatSim();
        log(`units process: ${Math.max(o.adbUnits, 1)} fixtures on TCP + one simulated ADB server, a probe unit; COMMIT ${o.commitMs} ms`);
        units = await startUnits(path.join(home, 'units'), Math.max(o.adbUnits, 1), o.commitMs);
        const u = units;
        const env = {
          WXPROV_HOME: path.join(home, 'station'),
          WXPROV_API_BASE: sim.url,
          WXPROV_APPID: sim.appid,
          WXPROV_APPSECRET: sim.appsecret,
          WXPROV_KEY_PASSPHRASE: 'bench-only passphrase',
          WXPROV_OPERATOR: 'bench',
          ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1',
          ANDROID_ADB_SERVER_PORT: String(u.adbPort),
        };
        log('product, key, station code, id template (through the CLI, against the simulator)');
        const pid = JSON.parse(await cli(['product', 'create', '--en', 'Bench', '--zh', '基准', '--default-name', 'bench', '--model', 'BENCH-1', '--json'], env)).product_id as number;
        await cli(['key', 'create', '--product', String(pid)], env);
        await cli(['config', 'set', 'station_code', 'B1'], env);
        await cli(['product', 'set', '--product', String(pid), '--id-template', 'BN{station}{seq:6}'], env);
        ctx = createContext({ env, actor: 'bench' });
        const c = ctx;

        // ── (a) a unit's cycle over TCP and over ADB vs COMMIT + a round-trip per exchange ──
        const paths = [
          { name: 'tcp', label: 'TCP', spec: (s: Slot) => s.tcp, open: (s: Slot) => BareWxp.tcp(s.tcp) },
          { name: 'adb', label: 'ADB', spec: (s: Slot) => `adb:${s.serial}`, open: (s: Slot) => BareWxp.adb(u.adbPort, s.serial) },
        ];
        let tag = 0;
        for (const p of paths) {
          let probe: Awaited<ReturnType<typeof probePath>> | undefined;
          const rtt = await measure({ key: `${p.name}_rtt_ms`, label: `(a) ${p.label}: bare HELLO round-trip`, unit: 'ms' }, async () => {
            log(`(a) ${p.label}: ${o.rttSamples} bare HELLO round-trips and ${o.commitSamples} COMMITs on the probe unit`);
            probe = await probePath(() => p.open(u.probe), o);
            return probe.rttMs;
          });
          if (probe) rtt.note = `median of ${o.rttSamples}; a bare COMMIT exchange took ${probe.commitExchangeMs.toFixed(1)} ms (median of ${o.commitSamples}): the unit's COMMIT ${probe.commitUnitMs.toFixed(1)} ms`;
          metrics.push(rtt);

          let cyc: { ms: number; first: number; exchanges: number; seq: string; baseline: number; ratios: number[]; steps: string; seconds: number } | undefined;
          const m = await measure({ key: `${p.name}_cycle_ms`, label: `(a) ${p.label}: unit cycle, HELLO to recorded PASS`, unit: 'ms' }, async () => {
            if (!probe) throw new Error('no baseline (the probe failed)');
            log(`(a) ${p.label}: the station on one slot, ${o.cycleUnits} units`);
            await u.reset(`A${++tag}`, o.cycleUnits);
            await u.dump();
            const r = await stationRun(c, pid, [p.spec(u.slots[0])], o.cycleUnits);
            const { verbs } = await u.dump();
            const counted = r.units.map((x) => cycleExchanges(verbs[x.hwid!] ?? []));
            if (counted.some((x) => !x)) throw new Error(`no PASS cycle in the log of unit ${r.units[counted.findIndex((x) => !x)].hwid}`);
            const exchanges = counted.map((x) => x!.count);
            const per = r.units.map((x, i) => {
              const baseline = probe!.commitUnitMs + exchanges[i] * probe!.rttMs;
              const took: Record<string, number> = {};
              for (let j = 0; j + 1 < x.steps.length; j++) took[x.steps[j][0]] = (x.steps[j + 1][1] - x.steps[j][1]) * 1000;
              return { ms: x.ms, baseline, ratio: x.ms / baseline, took };
            });
            const warm = per.length > 1 ? per.slice(1) : per;
            const stepNames = Object.keys(per[0].took);
            cyc = {
              ms: median(warm.map((x) => x.ms)),
              first: per[0].ms,
              exchanges: median(exchanges.slice(per.length > 1 ? 1 : 0)),
              seq: counted[counted.length - 1]!.seq.join(' '),
              baseline: median(warm.map((x) => x.baseline)),
              ratios: warm.map((x) => x.ratio),
              steps: stepNames.map((s) => `${s} ${median(warm.map((x) => x.took[s] ?? 0)).toFixed(1)}`).join(', '),
              seconds: r.seconds,
            };
            if (r.lost.length) log(`(a) ${p.label}: port lost ${r.lost.length}x: ${r.lost.slice(0, 3).join('; ')}`);
            if (r.logs.length) log(`(a) ${p.label}: ${r.logs.length} port log lines, e.g. ${r.logs.slice(0, 3).join(' | ')}`);
            return cyc.ms;
          });
          if (cyc) m.note = `median of units 2-${o.cycleUnits} (${cyc.ratios.map((x) => x.toFixed(2)).join(', ')}x the baseline); unit 1 took ${cyc.first} ms (it may unseal the key); per step, median ms: ${cyc.steps}`;
          metrics.push(
            m,
            {
              key: `${p.name}_cycle_baseline_ms`,
              label: `    baseline: COMMIT + ${cyc ? cyc.exchanges : '?'} round-trips`,
              value: cyc ? cyc.baseline : null,
              unit: 'ms',
              note: cyc && probe ? `${probe.commitUnitMs.toFixed(1)} ms COMMIT + ${cyc.exchanges} x ${probe.rttMs.toFixed(3)} ms; exchanges from the unit's log: ${cyc.seq}` : undefined,
            },
            { key: `${p.name}_cycle_vs_baseline`, label: `    ${p.label} cycle / baseline`, value: cyc ? median(cyc.ratios) : null, unit: 'x' },
          );
          goals.push(goal(`${p.name}_cycle_vs_baseline`, `(a) ${p.label} unit cycle / (COMMIT + a round-trip per exchange)`, cyc ? median(cyc.ratios) : null, '<=', TRANSPORT_CYCLE_GOAL));
        }

        // ── (b) N ADB units at once: the station's speed-up vs a bare client's ──
        const D = o.adbUnits;
        const K = o.unitsPerDevice;
        const rates: Record<string, number | null> = {};
        for (const who of ['bare', 'station'] as const) {
          for (const n of [1, D]) {
            const key = `${who}_units_per_s_${n}_adb`;
            let note = '';
            const m = await measure({ key, label: `(b) ${who === 'bare' ? 'bare WXP/1 client' : 'station'}, ${n} ADB device${n > 1 ? 's' : ''} x ${K} units`, unit: 'units/s' }, async () => {
              log(`(b) ${who}: ${n} ADB device${n > 1 ? 's' : ''} at once, ${K} units each`);
              await u.reset(`${who === 'bare' ? 'B' : 'C'}${n}N${++tag}`, K);
              await u.dump();
              if (who === 'bare') {
                const r = await bareRun(u, n, K);
                const { cpu_ms } = await u.dump();
                note = `${r.timings.length} units in ${r.seconds.toFixed(2)} s; cycle median ${median(r.timings.map((t) => (t.endS - t.startS) * 1000)).toFixed(1)} ms; units process CPU ${Math.round(cpu_ms)} ms`;
                return r.timings.length / r.seconds;
              }
              const r = await stationRun(c, pid, u.slots.slice(0, n).map((s) => `adb:${s.serial}`), n * K);
              const { cpu_ms } = await u.dump();
              note = `${r.units.length} units in ${r.seconds.toFixed(2)} s; cycle median ${median(r.units.map((x) => x.ms))} ms (max ${Math.max(...r.units.map((x) => x.ms))}); station CPU ${Math.round(r.cpuMs)} ms, units process CPU ${Math.round(cpu_ms)} ms`;
              if (r.lost.length) note += `; port lost ${r.lost.length}x (${r.lost.slice(0, 2).join('; ')})`;
              return r.units.length / r.seconds;
            });
            if (note) m.note = note;
            rates[key] = m.value;
            metrics.push(m);
          }
        }
        const sBare = ratio(rates[`bare_units_per_s_${D}_adb`], rates['bare_units_per_s_1_adb']);
        const sStation = ratio(rates[`station_units_per_s_${D}_adb`], rates['station_units_per_s_1_adb']);
        metrics.push(
          { key: 'bare_adb_speedup', label: `    bare client: ${D} devices / 1`, value: sBare, unit: 'x', note: `on ${os.cpus().length} cores` },
          { key: 'station_adb_speedup', label: `    station: ${D} devices / 1`, value: sStation, unit: 'x' },
          { key: 'adb_speedup_vs_bare', label: '    station speed-up / bare speed-up', value: ratio(sStation, sBare), unit: 'x' },
        );
        goals.push(goal('adb_speedup_vs_bare', `(b) ${D} ADB units: station speed-up / bare client's`, ratio(sStation, sBare), '>=', ADB_SPEEDUP_GOAL));
        return { metrics, goals, info };
      } finally {
        await units?.stop();
        ctx?.close();
        await sim?.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  };
}
