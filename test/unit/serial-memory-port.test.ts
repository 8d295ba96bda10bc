import { describe, expect, it } from 'vitest';
import { memoryPort } from '../../main/core/serial/memory-port.js';
import { field } from '../../main/core/serial/frame.js';
import { HostConn } from '../../main/core/serial/host-conn.js';
import { SimDevice } from '../../main/core/sim/device/index.js';
import { caught } from '../helpers/caught.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('memoryPort: an in-process serial port for simulated units', () => {
  it('a unit on it answers the station through real WXP/1 exchanges', async () => {
    const port = memoryPort('sim:1');
    const unit = await SimDevice.boot(port.unit, { hwid: 'AABBCC' });
    const conn = new HostConn(await port.open());
    const a = await conn.request('HELLO', {}, { step: 'hello' });
    expect(a.ok).toBe(true);
    expect(field(a.frame, 'hwid')).toBe('AABBCC');
    conn.dispose();
    unit.stop();
    await port.close();
  });

  it('one holder at a time; closed and opened again, the unit is still there', async () => {
    const port = memoryPort('sim:2');
    const unit = await SimDevice.boot(port.unit, { hwid: 'DDEEFF' });
    const first = await port.open();
    expect((await caught(port.open())).code).toBe('PORT_BUSY');
    await first.close();
    const conn = new HostConn(await port.open());
    expect(field((await conn.request('HELLO', {}, { step: 'hello' })).frame, 'hwid')).toBe('DDEEFF');
    conn.dispose();
    unit.stop();
    await port.close();
  });

  it('delivers in order on a later turn, drops what the unit says while nobody holds the port', async () => {
    const port = memoryPort('sim:3');
    await port.unit.write('lost\n');
    const station = await port.open();
    const got: string[] = [];
    station.onData((c) => got.push(c.toString('latin1')));
    await port.unit.write('a');
    await port.unit.write('b');
    expect(got).toEqual([]); // never inside the writer's call
    await tick();
    await tick();
    expect(got.join('')).toBe('ab');
    const heard: string[] = [];
    port.unit.onData((c) => heard.push(c.toString('latin1')));
    await station.write('x');
    await tick();
    expect(heard).toEqual(['x']);
    await port.close();
  });

  it('a port that goes away tells its holder PORT_VANISHED and cannot be opened again', async () => {
    const port = memoryPort('sim:4');
    const station = await port.open();
    const why: (Error | undefined)[] = [];
    station.onClose((e) => why.push(e));
    await port.close();
    expect(why).toHaveLength(1);
    expect((why[0] as { code?: string }).code).toBe('PORT_VANISHED');
    expect((await caught(station.write('x'))).code).toBe('PORT_VANISHED');
    expect((await caught(port.open())).code).toBe('PORT_NOT_FOUND');
  });
});
