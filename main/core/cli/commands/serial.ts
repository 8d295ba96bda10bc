import type { CoreContext } from '../../context.js';
import { WxError } from '../../errors/wx-error.js';
import { HostConn } from '../../serial/host-conn.js';
import { filterPorts, listPorts } from '../../serial/ports.js';
import { DEFAULT_PLACEMENT_POLLS } from '../../serial/placement.js';
import { isJoined } from '../../fleet/membership.js';
import { FleetWorker } from '../../fleet/worker.js';
import { mesConfig } from '../../mes/config.js';
import { deliverMes } from '../../mes/sender.js';
import { MesWorker } from '../../mes/worker.js';
import { preflight, type LineReady } from '../../serial/preflight.js';
import { provisionUnit, type UnitResult } from '../../serial/provision.js';
import { listAdbPorts } from '../../adb/adb-ports.js';
import { openLink } from '../../serial/open-link.js';
import { portTiming, runStation } from '../../serial/station.js';
import { DEFAULT_LINK_TIMING } from '../../serial/timing.js';
import { optInt, optStr, productId, str } from '../args.js';
import { JSON_OPT, type Command, type Values } from '../command.js';
import { printJson, printTable } from '../output.js';

const TIMING_USAGE = `[--baud 115200] [--allowance-ms ${DEFAULT_LINK_TIMING.allowanceMs}] [--commit-ms ${DEFAULT_LINK_TIMING.commitMs}]`;
const FLASH_USAGE = `wxprov flash --port <path> --product <id> ${TIMING_USAGE} [--device-id <d> | --sn <scanned>] [--erase] [--push-test] [--json]`;

/** The link's timing flags (PROTOCOL.md, "Timing"): the wire time follows --baud, these are the unit's own. */
const TIMING_OPTS = {
  baud: { type: 'string' },
  'allowance-ms': { type: 'string' },
  'commit-ms': { type: 'string' },
} as const;

function timingFlags(v: Values) {
  return {
    baud: optInt(v, 'baud', 300, 4_000_000),
    allowanceMs: optInt(v, 'allowance-ms', 10, 60_000),
    commitMs: optInt(v, 'commit-ms', 10, 600_000),
  };
}

/** Each report's deadline on the way out: a one-shot run waits this long at most for the MES. */
const EXIT_REPORT_MS = 3_000;

/**
 * A one-shot run tries to deliver its MES reports before it exits (at most 3 s); what is not
 * delivered stays in the outbox for the next run, `wxprov mes sync`, or a running station.
 */
async function reportBeforeExit(ctx: CoreContext, note: (t: string) => void): Promise<void> {
  if (!mesConfig(ctx).reportUrl) return;
  try {
    const r = await deliverMes(ctx, { deadline: Date.now() + EXIT_REPORT_MS });
    if (r.status.pending > 0) note(`# MES: ${r.status.pending} report(s) wait in the outbox (${r.status.last_error ?? 'time is up'}); wxprov mes sync sends them\n`);
  } catch (e) {
    ctx.log.error('mes.exit_report_error', { error: e instanceof Error ? e.message : String(e) });
  }
}

/** The contract's keys first, then the details an engineer wants. */
const unitDoc = (u: UnitResult) => ({
  result: u.result,
  device_id: u.device_id,
  hwid: u.hwid,
  port: u.port,
  step: u.step,
  reason: u.reason,
  reason_zh: u.reason_zh,
  code: u.code,
  product_id: u.product_id,
  key_version: u.key_version,
  push_test: u.push_test ? u.push_test.result : null,
  ms: u.ms,
  ...(u.mes_offline ? { mes_offline: true } : {}),
});

const unitLine = (u: UnitResult) =>
  `${u.result.padEnd(8)} ${u.port}  device_id ${u.device_id ?? '-'}  hwid ${u.hwid ?? '-'}  step ${u.step}${u.push_test ? `  push ${u.push_test.result}` : ''}${u.mes_offline ? '  (MES unreachable: let through)' : ''}${u.reason ? `  — ${u.reason}` : ''}${u.error?.engineer_en ? ` [${u.error.engineer_en}]` : ''}`;

/** The pre-flight, with a fleet station's background worker (stopped again if the pre-flight refuses). */
async function fleetPreflight(ctx: CoreContext, pid: number): Promise<{ fleet: FleetWorker | undefined; ready: LineReady }> {
  const fleet = isJoined(ctx.db) ? new FleetWorker(ctx) : undefined;
  try {
    return { fleet, ready: await preflight(ctx, pid, undefined, { fleet: { onLow: () => fleet?.refillSoon() } }) };
  } catch (e) {
    await fleet?.stop();
    throw e;
  }
}

export const flashCommand: Command = {
  path: ['flash'],
  usage: FLASH_USAGE,
  summary: 'Provision the one unit on a port (exit 0 only on PASS or EXISTING)',
  options: {
    ...JSON_OPT,
    ...TIMING_OPTS,
    port: { type: 'string' },
    product: { type: 'string' },
    'device-id': { type: 'string' },
    sn: { type: 'string' },
    erase: { type: 'boolean' },
    'push-test': { type: 'boolean' },
  },
  async run(v, _p, io) {
    const pid = productId(v, FLASH_USAGE);
    const spec = str(v, 'port', FLASH_USAGE);
    if (v['device-id'] !== undefined && v.sn !== undefined) throw new WxError('INPUT_INVALID', { field: '--device-id | --sn', detail: 'both given', allowed: 'one of them' });
    const timing = portTiming({ spec, ...timingFlags(v) }, {});
    const ctx = io.context();
    // Everything the unit will need, checked before the port is even opened: a unit is never
    // erased or written by a run that could not finish it. A fleet station's half-used block is
    // topped up in the background, after the unit.
    const { fleet, ready } = await fleetPreflight(ctx, pid);
    const link = await openLink(spec, timing.baud, ctx.env.adbServer).catch(async (e: unknown) => {
      await fleet?.stop();
      throw e;
    });
    const conn = new HostConn(link, timing);
    conn.onLog((t) => !v.json && io.stderr.write(`# ${t}\n`));
    try {
      const u = await provisionUnit(
        ctx,
        conn,
        { product_id: pid, device_id: optStr(v, 'device-id'), sn: optStr(v, 'sn'), erase: v.erase === true, push_test: v['push-test'] === true },
        (e) => !v.json && io.stderr.write(`  ${e.step}…\n`),
        ready,
      );
      if (v.json) printJson(io.stdout, unitDoc(u));
      else io.stdout.write(unitLine(u) + '\n');
      return u.result === 'FAIL' ? 1 : 0;
    } finally {
      conn.dispose();
      await link.close();
      await reportBeforeExit(ctx, (t) => !v.json && io.stderr.write(t));
      // The unit's result is out; a refill it asked for finishes before the process ends.
      await fleet?.settle();
      await fleet?.stop();
    }
  },
};

const STATION_USAGE = `wxprov station --port <path> [--port <path> ...] --product <id> ${TIMING_USAGE} [--placement-polls ${DEFAULT_PLACEMENT_POLLS}] [--count <n>] [--push-test] [--json]`;

export const stationCommand: Command = {
  path: ['station'],
  usage: STATION_USAGE,
  summary: 'Run the line: every port its own loop, one result line per unit (until Ctrl-C, or --count units)',
  options: {
    ...JSON_OPT,
    ...TIMING_OPTS,
    port: { type: 'string', multiple: true },
    product: { type: 'string' },
    'placement-polls': { type: 'string' },
    count: { type: 'string' },
    'push-test': { type: 'boolean' },
  },
  async run(v, _p, io) {
    const pid = productId(v, STATION_USAGE);
    const specs = (v.port as string[] | undefined) ?? [];
    if (specs.length === 0) throw new WxError('INPUT_MISSING', { field: '--port', usage: STATION_USAGE });
    const timing = timingFlags(v);
    const placementPolls = optInt(v, 'placement-polls', 1, 20);
    const ctx = io.context();
    const stop = new AbortController();
    void io.interrupted.then(() => stop.abort());
    // A fleet station: uplink, downlink and refills in the background while the line runs (never on a unit's path).
    const { fleet, ready } = await fleetPreflight(ctx, pid);
    fleet?.start();
    // Results go to the MES in the background: the line never waits for it.
    const mes = mesConfig(ctx).reportUrl ? new MesWorker(ctx).start() : undefined;
    const r = await runStation(ctx, specs.map((spec) => ({ spec, ...timing, placementPolls })), {
      product_id: pid,
      ready,
      push_test: v['push-test'] === true,
      count: optInt(v, 'count', 1),
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'unit') {
          mes?.nudge();
          // One line per unit, written as it happens: a supervisor can tail it.
          io.stdout.write((v.json ? JSON.stringify({ ...unitDoc(e.unit), counters: e.counters }) : unitLine(e.unit)) + '\n');
        } else if (!v.json && e.type === 'port' && e.state !== 'opening') {
          io.stderr.write(`${e.port}: ${e.state}${e.error ? ` (${e.error.code}: ${e.error.message_en})` : ''}\n`);
        }
      },
    }).finally(async () => {
      await mes?.stop();
      await fleet?.stop();
    });
    await reportBeforeExit(ctx, (t) => !v.json && io.stderr.write(t));
    if (!v.json) {
      for (const c of r.counters) io.stderr.write(`${c.port}: pass ${c.pass}, fail ${c.fail}, existing ${c.existing}, pass rate ${c.pass_rate === null ? '-' : (c.pass_rate * 100).toFixed(1) + '%'}\n`);
    }
    return r.units.some((u) => u.result === 'FAIL') ? 1 : 0;
  },
};

export const portsCommand: Command = {
  path: ['ports'],
  usage: 'wxprov ports [--vid <hex>] [--pid <hex>] [--json]',
  summary: 'The serial ports this station sees (path, USB VID/PID, serial number, location), and the Android units on ADB (serial, state, USB path, model)',
  options: { ...JSON_OPT, vid: { type: 'string' }, pid: { type: 'string' } },
  async run(v, _p, io) {
    const [serial, adb] = await Promise.all([listPorts(), listAdbPorts(io.env)]);
    const ports = filterPorts(serial, { vid: optStr(v, 'vid'), pid: optStr(v, 'pid') });
    const devices = adb.ports.map((p) => ({ ...p.adb!, port: p.path, ...(p.adb!.usb ? { usb_port: `adbusb:${p.adb!.usb}` } : {}) }));
    if (v.json) return void printJson(io.stdout, { ports: [...ports, ...adb.ports], adb: { server: adb.server, devices, ...(adb.error ? { error: adb.error } : {}) } });
    if (ports.length === 0) io.stdout.write('no serial ports found (USB-serial adapters show up as /dev/ttyUSB*, /dev/ttyACM* or COMn)\n');
    else {
      printTable(
        io.stdout,
        ['path', 'vid', 'pid', 'serial', 'manufacturer', 'location'],
        ports.map((p) => [p.path, p.vendorId, p.productId, p.serialNumber, p.manufacturer, p.location]),
      );
    }
    io.stdout.write('\n');
    if (adb.error) io.stdout.write(`Android (ADB): no ADB server at ${adb.server} — ${adb.error.message_en}\n`);
    else if (devices.length === 0) io.stdout.write(`Android (ADB server ${adb.server}): no devices\n`);
    else {
      io.stdout.write(`Android (ADB server ${adb.server}):\n`);
      printTable(
        io.stdout,
        ['port', 'serial', 'state', 'usb', 'model'],
        devices.map((d) => [d.usb_port ?? d.port, d.serial, STATE_NOTE[d.state] ? `${d.state} (${STATE_NOTE[d.state]})` : d.state, d.usb, d.model]),
      );
    }
  },
};

/** What a state other than `device` asks of the engineer. */
const STATE_NOTE: Record<string, string> = {
  unauthorized: 'accept the USB debugging (RSA key) prompt on the device',
  offline: 'not answering: re-plug it or restart adb',
};
