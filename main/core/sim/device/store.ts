import fs from 'node:fs';
import path from 'node:path';
import { IDENTITY_KEYS, type Identity } from './types.js';

/** What survives a reset: the hardware id and the committed identity (none when blank). */
export interface DeviceRecord {
  hwid?: string;
  identity?: Identity;
}

/** The unit's non-volatile storage. save() is atomic: afterwards load() sees all of it or none of it. */
export interface DeviceStore {
  /** undefined when nothing was ever saved. */
  load(): Promise<DeviceRecord | undefined>;
  save(r: DeviceRecord): Promise<void>;
}

const copy = (r: DeviceRecord): DeviceRecord => ({
  ...(r.hwid !== undefined ? { hwid: r.hwid } : {}),
  ...(r.identity ? { identity: { ...r.identity } } : {}),
});

/** Storage that lives as long as the object: share one between SimDevice instances to model a reset. */
export function memoryStore(initial?: DeviceRecord): DeviceStore {
  let saved = initial ? copy(initial) : undefined;
  return {
    load: async () => (saved ? copy(saved) : undefined),
    save: async (r) => void (saved = copy(r)),
  };
}

function asRecord(file: string, raw: unknown): DeviceRecord {
  const bad = (why: string) => new Error(`${file} is not a simulated device's state file: ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not a JSON object');
  const o = raw as Record<string, unknown>;
  const r: DeviceRecord = {};
  if (o.hwid !== undefined && o.hwid !== null) {
    if (typeof o.hwid !== 'string') throw bad('hwid is not a string');
    r.hwid = o.hwid;
  }
  if (o.identity !== undefined && o.identity !== null) {
    const id = o.identity as Record<string, unknown>;
    if (typeof id !== 'object' || IDENTITY_KEYS.some((k) => typeof id[k] !== 'string')) throw bad(`identity needs ${IDENTITY_KEYS.join(', ')} as strings`);
    r.identity = Object.fromEntries(IDENTITY_KEYS.map((k) => [k, id[k] as string])) as Identity;
  }
  return r;
}

/**
 * A JSON file, so an identity survives a restart of the simulator process. Written to a
 * temporary file, then renamed over the old one: a kill mid-save leaves the old state or the
 * new one, like the firmware's spare-slot switch. Not fsynced: the file has to outlive the
 * simulator process (the kernel keeps what was written), not the machine, and a disk flush
 * would add the disk's latency to every COMMIT on top of --commit-ms.
 */
export function jsonFileStore(file: string): DeviceStore {
  return {
    async load() {
      let text: string;
      try {
        text = await fs.promises.readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new Error(`${file} is not a simulated device's state file: not JSON`);
      }
      return asRecord(file, raw);
    },
    async save(r) {
      await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      const doc = { hwid: r.hwid ?? null, identity: r.identity ?? null, saved_at: new Date().toISOString() };
      const fh = await fs.promises.open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(doc, null, 2) + '\n');
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, file);
    },
  };
}
