import { describe, expect, it } from 'vitest';
import { machineDigest, machineId, machineSource, type MachineSources } from '../../main/core/config/machine.js';

const sources = (o: Partial<MachineSources>): MachineSources => ({
  platform: 'linux',
  readFile: () => undefined,
  run: () => undefined,
  hostname: () => 'host-1',
  ...o,
});

describe('machine identity', () => {
  it('reads what each OS keeps stable, else the host name', () => {
    expect(machineSource(sources({ readFile: (f) => (f === '/etc/machine-id' ? 'abc123\n' : undefined) }))).toBe('machine-id:abc123');
    expect(machineSource(sources({ readFile: (f) => (f === '/var/lib/dbus/machine-id' ? 'dbus1\n' : undefined) }))).toBe('machine-id:dbus1');
    const ioreg = '+-o J314sAP  <class IOPlatformExpertDevice>\n    {\n      "IOPlatformUUID" = "1F2E3D4C-0000-1111-2222-333344445555"\n    }\n';
    expect(machineSource(sources({ platform: 'darwin', run: (cmd) => (cmd === 'ioreg' ? ioreg : undefined) }))).toBe('IOPlatformUUID:1F2E3D4C-0000-1111-2222-333344445555');
    const reg = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    6c1a-guid-77\r\n\r\n';
    expect(machineSource(sources({ platform: 'win32', run: (cmd, args) => (cmd === 'reg' && !args.includes('/reg:64') ? reg : undefined) }))).toBe('MachineGuid:6c1a-guid-77');
    expect(machineSource(sources({ readFile: () => '  \n' }))).toBe('hostname:host-1');
    expect(machineSource(sources({ platform: 'darwin' }))).toBe('hostname:host-1');
  });

  it('is a digest, never the raw id, and the override stands in for the OS', () => {
    const s = sources({ readFile: () => 'abc123' });
    const d = machineId(undefined, s);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(d).toBe(machineDigest('machine-id:abc123'));
    expect(d).not.toContain('abc123');
    expect(machineId(undefined, s)).toBe(d);
    expect(machineId('station-7', s)).not.toBe(d);
    expect(machineId('station-7')).toBe(machineId('station-7', s));
    // This process's own answer is stable across calls.
    expect(machineId()).toBe(machineId());
  });
});
