import { fail, okay, type SocketReader } from '../../adb/protocol.js';
import { connectService, splice } from './relay.js';
import type { SimAdbDevice } from './world.js';
import type { Conn, Outcome } from './host-services.js';

/** `getprop <name>` from the device's fields; adb prints an empty line for an unknown one. */
function getprop(dev: SimAdbDevice, name: string): string {
  const props: Record<string, string | undefined> = {
    'ro.product.model': dev.model,
    'ro.serialno': dev.serial,
    'ro.product.name': dev.product,
    'ro.product.device': dev.device,
  };
  return `${props[name] ?? ''}\n`;
}

/** A legacy `shell:` command, answered and closed (the stream's end is the command's end). */
function shell(dev: SimAdbDevice, command: string): string {
  const words = command.trim().split(/\s+/);
  if (words[0] === 'getprop' && words[1]) return getprop(dev, words[1]);
  return '';
}

/** A request after `host:transport…`: it goes to the device, whose answer is relayed. */
export async function deviceService(conn: Conn, req: string, dev: SimAdbDevice, reader: SocketReader): Promise<Outcome> {
  const { socket } = conn;
  // Unplugged (or gone offline) since the switch to it: adbd is not there to answer.
  if (conn.world.devices.get(dev.serial) !== dev || dev.state !== 'device') {
    socket.write(fail('closed'));
    return 'done';
  }
  if (req.startsWith('shell:')) {
    socket.write(okay());
    socket.write(shell(dev, req.slice(6)));
    return 'done';
  }
  if (req.startsWith('localabstract:')) {
    const up = await connectService(dev, req);
    // The device may have gone (or the client hung up) while the unit was being reached.
    if (!up || conn.world.devices.get(dev.serial) !== dev || dev.state !== 'device' || socket.destroyed) {
      up?.destroy();
      socket.write(fail('closed'));
      return 'done';
    }
    socket.write(okay());
    splice(dev, reader.release(), up);
    return 'taken';
  }
  socket.write(fail('closed'));
  conn.log(`sim adb: device service not simulated: ${req}`);
  return 'done';
}
