import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../main/core/cli/run.js';
import { createContext, type CoreContext } from '../main/core/context.js';
import { encodeFrame } from '../main/core/serial/frame.js';
import type { UnitResult } from '../main/core/serial/provision.js';
import { runStation } from '../main/core/serial/station.js';
import { BITS_PER_BYTE, DEFAULT_FW, IDENTITY_KEYS, type Identity } from '../main/core/sim/device/index.js';
import { startWechatSim, type WechatSim } from '../main/core/sim/wechat-sim.js';
import { goal, measure, ratio, type BenchSuite, type Goal, type Metric } from './suite.js';
import { nowS } from './timing.js';

export interface SerialBenchOptions {
  /** The simulated UART's speed. */
  baud: number;
  /** How long the unit takes to COMMIT (writing flash). */
  commitMs: number;
  /** Units through one port for (a); the median of all but the first (which unseals the key) is the result. */
  cycleUnits: number;
  /** (b): ports in the wide run, and units through each port in both runs. */
  ports: number;
  unitsPerPort: number;
}

export const SERIAL_DEFAULTS: SerialBenchOptions = { baud: 115200, commitMs: 100, cycleUnits: 9, ports: 8, unitsPerPort: 8 };

/** Goals: a unit takes at most 1.2x what its bytes and COMMIT take on the wire; 8 ports move at least 7x the units of one. */
export const CYCLE_GOAL = 1.2;
export const THROUGHPUT_GOAL = 7;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI_ENTRY = path.join(ROOT, 'main/core/cli/wxprov.ts');

/** The CLI in this process (the simulator answers from this process's event loop); its stdout, or a throw naming the command. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  let errText = '';
  out.on('data', (d) => (text += d));
  err.on('data', (d) => (errText += d));
  const code = await runCli(argv, { stdout: out, stderr: err, env });
  if (code !== 0) throw new Error(`wxprov ${argv.slice(0, 2).join(' ')} failed: ${errText.trim()}`);
  return text;
}

interface Fixture {
  link: string;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `wxprov sim device --units` in a process of its own (its CPU is not the station's), once it has printed its link. */
async function startFixture(home: string, name: string, units: number, o: SerialBenchOptions): Promise<Fixture> {
  const link = path.join(home, `tty${name}`);
  const dir = path.join(home, `units-${name}`);
  const argv = ['sim', 'device', '--link', link, '--units', String(units), '--state-dir', dir, '--hwid', name, '--baud', String(o.baud), '--commit-ms', String(o.commitMs)];
  // stderr (a line per request and answer) goes nowhere: writing it is the unit's cost, not reading it ours.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`wxprov sim device exited ${code} before it was ready`)));
  });
  return {
    link,
    dir,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** What one unit's state file holds. */
function unitFile(dir: string, hwid: string): { hwid: string; identity: Identity } {
  return JSON.parse(fs.readFileSync(path.join(dir, `${hwid}.json`), 'utf8'));
}

/**
 * The WXP/1 bytes one provisioned unit exchanges, from HELLO to the confirming HELLO, by the
 * step that exchanges them: each request and its answer, lines with their `\n`, exactly as
 * the station and the unit send them.
 */
export function unitWireBytes(hwid: string, identity: Identity, fw = DEFAULT_FW): Record<'hello' | 'write' | 'readback' | 'commit' | 'confirm', number> & { total: number } {
  const fields = IDENTITY_KEYS.map((k) => [k, identity[k]] as [string, string]);
  const bytes = (...lines: string[]) => lines.reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 1, 0);
  const r = {
    hello: bytes(encodeFrame('HELLO'), encodeFrame('OK', { proto: 1, fw, hwid, state: 'blank' }, 'HELLO')),
    write: bytes(encodeFrame('WRITE', fields), encodeFrame('OK', [], 'WRITE')),
    readback: bytes(encodeFrame('READ'), encodeFrame('OK', fields, 'READ')),
    commit: bytes(encodeFrame('COMMIT'), encodeFrame('OK', [], 'COMMIT')),
    confirm: bytes(encodeFrame('HELLO'), encodeFrame('OK', { proto: 1, fw, hwid, state: 'locked' }, 'HELLO')),
  };
  return { ...r, total: r.hello + r.write + r.readback + r.commit + r.confirm };
}

export type TimedUnit = UnitResult & { endS: number; steps: [string, number][] };

export interface StationRun {
  units: TimedUnit[];
  seconds: number;
  cpuMs: number;
  /** Ports reported lost (`port: CODE`), and the ports' log lines: what slowed a run down. */
  lost: string[];
  logs: string[];
}

/** runStation in this process over `specs` until `count` units have a result, each unit's steps timed. */
export async function timedStation(ctx: CoreContext, pid: number, specs: string[], count: number): Promise<StationRun> {
  const units: TimedUnit[] = [];
  const steps = new Map<string, [string, number][]>();
  const lost: string[] = [];
  const logs: string[] = [];
  const cpu0 = process.cpuUsage();
  await runStation(
    ctx,
    specs.map((spec) => ({ spec })),
    {
      product_id: pid,
      count,
      onEvent: (e) => {
        if (e.type === 'step') {
          if (e.step === 'hello') steps.set(e.port, []);
          steps.get(e.port)?.push([e.step, nowS()]);
        }
        if (e.type === 'unit') units.push({ ...e.unit, endS: nowS(), steps: [...(steps.get(e.unit.port) ?? []), ['end', nowS()]] });
        if (e.type === 'port' && e.state === 'lost') lost.push(`${e.port}: ${e.error?.code}`);
        if (e.type === 'log') logs.push(`${e.port}: ${e.text}`);
      },
    },
  );
  const cpu = process.cpuUsage(cpu0);
  const start = Math.min(...units.map((u) => u.endS - u.ms / 1000));
  const end = Math.max(...units.map((u) => u.endS));
  return { units, seconds: end - start, cpuMs: (cpu.user + cpu.system) / 1000, lost, logs };
}

/** runStation in this process over the fixtures' links until `count` units have a result. */
const station = (ctx: CoreContext, pid: number, fixtures: Fixture[], count: number): Promise<StationRun> =>
  timedStation(
    ctx,
    pid,
    fixtures.map((f) => f.link),
    count,
  );

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function serialSuite(o: SerialBenchOptions = SERIAL_DEFAULTS): BenchSuite {
  return {
    name: 'serial',
    description: 'the station over pseudo-terminals: one unit vs its wire-time lower bound; 8 ports vs 1',
    async run(log) {
      const metrics: Metric[] = [];
      const goals: Goal[] = [];
      const info: Record<string, string | number | boolean> = { baud: o.baud, commit_ms: o.commitMs, cpus: os.cpus().length };
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-serial-'));
      let sim: WechatSim | undefined;
      let ctx: CoreContext | undefined;
      const fixtures: Fixture[] = [];
      const stopAll = async () => {
        await Promise.all(fixtures.splice(0).map((f) => f.stop()));
      };
      try {
        sim = await startWechatSim();
        const env = { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_KEY_PASSPHRASE: 'bench-only passphrase', WXPROV_OPERATOR: 'bench' };
        log('product, key, station code, id template (through the CLI, against the simulator)');
        const pid = JSON.parse(await cli(['product', 'create', '--en', 'Bench', '--zh', '基准', '--default-name', 'bench', '--model', 'BENCH-1', '--json'], env)).product_id as number;
        await cli(['key', 'create', '--product', String(pid)], env);
        await cli(['config', 'set', 'station_code', 'B1'], env);
        await cli(['product', 'set', '--product', String(pid), '--id-template', 'BN{station}{seq:6}'], env);
        ctx = createContext({ env, actor: 'bench' });
        info.db = `journal_mode=${ctx.db.pragma('journal_mode', { simple: true })}, synchronous=${ctx.db.pragma('synchronous', { simple: true })}`;

        // ── (a) one unit, against what its bytes and its COMMIT take on the wire ──
        let cycle: { ms: number; bound: number; bytes: number; ratios: number[]; first: number; over: string } | undefined;
        const measured = await measure({ key: 'unit_ms', label: '(a) unit time, HELLO to recorded PASS', unit: 'ms' }, async () => {
          log(`(a) ${o.cycleUnits} units through one port, each at ${o.baud} baud with a ${o.commitMs} ms COMMIT`);
          const f = await startFixture(home, 'CY', o.cycleUnits, o);
          fixtures.push(f);
          const r = await station(ctx!, pid, [f], o.cycleUnits);
          await stopAll();
          const bad = r.units.filter((u) => u.result !== 'PASS');
          if (bad.length) throw new Error(`${bad.length} units did not PASS: ${bad.map((u) => `${u.result} ${u.step} ${u.code}`).join(', ')}`);
          const wireMs = (bytes: number) => (bytes * BITS_PER_BYTE * 1000) / o.baud;
          const per = r.units.map((u) => {
            const wire = unitWireBytes(u.hwid!, unitFile(f.dir, u.hwid!).identity);
            const bound = wireMs(wire.total) + o.commitMs;
            // How long each step took against what its bytes (and COMMIT) take on the wire.
            const took: Record<string, number> = {};
            for (let i = 0; i + 1 < u.steps.length; i++) took[u.steps[i][0]] = (u.steps[i + 1][1] - u.steps[i][1]) * 1000;
            const over: Record<string, number> = {};
            for (const [step, ms] of Object.entries(took)) over[step] = ms - (step in wire ? wireMs(wire[step as keyof typeof wire]) : 0) - (step === 'commit' ? o.commitMs : 0);
            return { ms: u.ms, bytes: wire.total, bound, ratio: u.ms / bound, over };
          });
          // The first unit of a station process also unseals the product key (scrypt): reported, not counted.
          const warm = per.length > 1 ? per.slice(1) : per;
          const steps = Object.keys(per[0].over);
          cycle = {
            ms: median(warm.map((p) => p.ms)),
            bound: median(warm.map((p) => p.bound)),
            bytes: median(warm.map((p) => p.bytes)),
            ratios: warm.map((p) => p.ratio),
            first: per[0].ms,
            over: steps.map((st) => `${st} +${median(warm.map((p) => p.over[st] ?? 0)).toFixed(1)}`).join(', '),
          };
          return cycle.ms;
        });
        if (cycle) measured.note = `median of units 2-${o.cycleUnits} (${cycle.ratios.map((x) => x.toFixed(2)).join(', ')}x the bound); unit 1 took ${cycle.first} ms (it unseals the key)`;
        metrics.push(
          measured,
          {
            key: 'unit_bound_ms',
            label: '    lower bound: wire time + COMMIT',
            value: cycle ? cycle.bound : null,
            unit: 'ms',
            note: cycle ? `${cycle.bytes} bytes (5 requests + 5 answers) x ${BITS_PER_BYTE} bits / ${o.baud} baud = ${((cycle.bytes * BITS_PER_BYTE * 1000) / o.baud).toFixed(1)} ms, + ${o.commitMs} ms COMMIT` : undefined,
          },
          { key: 'unit_vs_bound', label: '    unit time / lower bound', value: cycle ? median(cycle.ratios) : null, unit: 'x' },
          {
            key: 'unit_over_bound_ms',
            label: '    time beyond the wire, by step',
            value: cycle ? cycle.ms - cycle.bound : null,
            unit: 'ms',
            note: cycle ? `median ms beyond each step's wire time (and COMMIT), warm units: ${cycle.over}` : undefined,
          },
        );
        goals.push(goal('unit_vs_bound', '(a) unit time / wire-time lower bound', cycle ? median(cycle.ratios) : null, '<=', CYCLE_GOAL));

        // ── (b) units per second, many ports against one ──
        const runs: Record<number, StationRun> = {};
        for (const ports of [1, o.ports]) {
          const m = await measure({ key: ports === 1 ? 'units_per_s_1_port' : `units_per_s_${ports}_ports`, label: `(b) ${ports} port${ports > 1 ? 's' : ''}, ${o.unitsPerPort} units each`, unit: 'units/s' }, async () => {
            log(`(b) ${ports} fixture process${ports > 1 ? 'es' : ''} of ${o.unitsPerPort} units, one station on ${ports} port${ports > 1 ? 's' : ''}`);
            const started = await Promise.allSettled(Array.from({ length: ports }, (_, i) => startFixture(home, `T${ports}P${i + 1}U`, o.unitsPerPort, o)));
            for (const s of started) if (s.status === 'fulfilled') fixtures.push(s.value);
            const failed = started.find((s) => s.status === 'rejected');
            if (failed) throw failed.reason;
            const r = await station(ctx!, pid, fixtures, ports * o.unitsPerPort);
            await stopAll();
            const bad = r.units.filter((u) => u.result !== 'PASS');
            if (bad.length) throw new Error(`${bad.length} units did not PASS: ${bad.map((u) => `${u.result} ${u.step} ${u.code}`).join(', ')}`);
            runs[ports] = r;
            return r.units.length / r.seconds;
          });
          const r = runs[ports];
          if (r) m.note = `${r.units.length} units in ${r.seconds.toFixed(2)} s (first HELLO to last PASS); unit time median ${median(r.units.map((u) => u.ms))} ms; station process CPU ${Math.round(r.cpuMs)} ms in all`;
          metrics.push(m);
        }
        const one = metrics.find((m) => m.key === 'units_per_s_1_port')?.value ?? null;
        const many = metrics.find((m) => m.key === `units_per_s_${o.ports}_ports`)?.value ?? null;
        metrics.push({ key: 'ports_speedup', label: `    ${o.ports} ports / 1 port`, value: ratio(many, one), unit: 'x', note: `on ${os.cpus().length} cores` });
        goals.push(goal('ports_speedup', `(b) ${o.ports} ports / 1 port, units per second`, ratio(many, one), '>=', THROUGHPUT_GOAL));

        // Where a unit's time goes on the station: what the ledger writes cost.
        const tx = await measure({ key: 'commit_ms', label: '    one ledger commit (synchronous=FULL)', unit: 'ms', note: 'an UPDATE of one device row in its own transaction, median of 50' }, () => {
          const row = ctx!.db.prepare('SELECT id FROM devices LIMIT 1').get() as { id: number };
          const upd = ctx!.db.prepare('UPDATE devices SET last_error = ? WHERE id = ?');
          const times: number[] = [];
          for (let i = 0; i < 50; i++) {
            const t = nowS();
            ctx!.db.transaction(() => upd.run(i % 2 ? 'bench' : null, row.id)).immediate();
            times.push((nowS() - t) * 1000);
          }
          upd.run(null, row.id);
          return median(times);
        });
        metrics.push(tx);
        return { metrics, goals, info };
      } finally {
        await stopAll();
        ctx?.close();
        await sim?.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  };
}
