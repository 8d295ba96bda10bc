/**
 * The simulated units of `bench/transports.ts`, in a process of their own (their CPU is not the
 * station's): `slots` fixtures, each served on TCP (`serveUnitOnTcp`) and plugged into ONE
 * simulated ADB server as device `WXB<nn>` (usb `9-<n>`), plus a probe unit (a single
 * SimDevice, TCP and ADB device `WXBPROBE`) for the bare round-trip and COMMIT measurements.
 *
 *   node --import tsx bench/transport-units.ts '{"dir":"/tmp/x","slots":32,"commitMs":100}'
 *
 * First stdout line: `{"adb_port", "slots": [{"tcp", "serial"}], "probe": {"tcp", "serial"}}`.
 * Then commands on stdin, one a line, each answered by one JSON line on stdout:
 *   `reset <tag> <units>`  every slot gets a new fixture of <units> blank units (hwids <tag>S<nn>U..),
 *                          on the same TCP port and ADB device (the station sees the same slots);
 *   `dump`                 `{"verbs": {hwid: ["HELLO", "WRITE", ...]}, "cpu_ms"}`: the requests each
 *                          unit received since the last dump (its log lines `> VERB`), and this
 *                          process's CPU time since then.
 * stdin closed or SIGINT/SIGTERM: everything closes and the process exits.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { startSimAdbServer } from '../main/core/sim/adb/index.js';
import { jsonFileStore, SimDevice, SimFixture } from '../main/core/sim/device/index.js';
import { serveUnitOnTcp, type TcpUnitPort } from '../main/core/sim/device/tcp-unit-port.js';

interface Config {
  dir: string;
  slots: number;
  commitMs: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const verbs = new Map<string, string[]>();
const note = (hwid: string | undefined, line: string) => {
  if (hwid === undefined) return;
  const m = /^> ([A-Z]+) /.exec(line);
  if (!m) return;
  let list = verbs.get(hwid);
  if (!list) verbs.set(hwid, (list = []));
  list.push(m[1]);
};

async function main(): Promise<void> {
  fs.mkdirSync(cfg.dir, { recursive: true });
  const adb = await startSimAdbServer({ host: '127.0.0.1', port: 0 });
  const ports: TcpUnitPort[] = [];
  const fixtures: (SimFixture | undefined)[] = [];
  const serial = (i: number) => `WXB${String(i + 1).padStart(2, '0')}`;
  for (let i = 0; i < cfg.slots; i++) {
    const p = await serveUnitOnTcp({ host: '127.0.0.1', port: 0 });
    ports.push(p);
    adb.addDevice({ serial: serial(i), usb: `9-${i + 1}`, model: 'WXBENCH', unit: { host: p.host, port: p.port } });
  }
  const probePort = await serveUnitOnTcp({ host: '127.0.0.1', port: 0 });
  adb.addDevice({ serial: 'WXBPROBE', usb: '9-99', model: 'WXBENCH', unit: { host: probePort.host, port: probePort.port } });
  const probe = new SimDevice(probePort.unit, { hwid: 'WXBPROBE', commitMs: cfg.commitMs, store: jsonFileStore(path.join(cfg.dir, 'probe.json')), log: (l) => note('WXBPROBE', l) });
  await probe.start();

  async function reset(tag: string, units: number): Promise<void> {
    for (const f of fixtures.splice(0)) f?.stop();
    await Promise.all(
      ports.map(async (p, i) => {
        let current: string | undefined;
        const prefix = `${tag}S${String(i + 1).padStart(2, '0')}U`;
        const f = new SimFixture(p.unit, {
          units,
          stateDir: path.join(cfg.dir, prefix),
          hwidPrefix: prefix,
          commitMs: cfg.commitMs,
          onUnit: (u) => (current = u.hwid),
          log: (l) => note(current, l),
        });
        fixtures[i] = f;
        await f.start();
      }),
    );
  }

  let cpu = process.cpuUsage();
  const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    for (const f of fixtures) f?.stop();
    probe.stop();
    await adb.close();
    await Promise.all([...ports, probePort].map((p) => p.close()));
    process.exit(0);
  };
  process.on('SIGINT', () => void close());
  process.on('SIGTERM', () => void close());

  out({ adb_port: adb.port, slots: ports.map((p, i) => ({ tcp: p.spec, serial: serial(i) })), probe: { tcp: probePort.spec, serial: 'WXBPROBE' } });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, ...args] = line.trim().split(/\s+/);
    void (async () => {
      try {
        if (cmd === 'reset') {
          await reset(args[0], Number(args[1]));
          out({ ok: true });
        } else if (cmd === 'dump') {
          const c = process.cpuUsage(cpu);
          cpu = process.cpuUsage();
          out({ verbs: Object.fromEntries(verbs), cpu_ms: (c.user + c.system) / 1000 });
          verbs.clear();
        } else out({ error: `unknown command ${cmd}` });
      } catch (e) {
        out({ error: (e as Error).message });
      }
    })();
  });
  rl.on('close', () => void close());
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
