import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, type OnTightened } from '../config/private-files.js';

export interface FileSinkOptions {
  /** Rotate before the file would grow past this; 10 MB. */
  maxBytes?: number;
  /** Rotated files kept: wxprov.log.1 (newest) … wxprov.log.N; 3. */
  keep?: number;
  onTightened?: OnTightened;
}

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_KEEP = 3;

/** A sink that also writes out what it still holds, synchronously (on close and at exit). */
export type FlushableSink = ((line: string) => void) & { flushSync(): void; close(): void; file: string };

/** Open sinks, written out by one exit hook (not one listener per context). */
const open = new Set<() => void>();
let hooked = false;
function atExit(flush: () => void): void {
  open.add(flush);
  if (hooked) return;
  hooked = true;
  process.once('exit', () => open.forEach((f) => f()));
}

/**
 * Appends JSON lines to `<home>/logs/wxprov.log` without blocking the event loop: lines are
 * queued and written in batches by an async append, so a station polling eight ports never
 * waits on the disk for a log line. What is still queued is written synchronously when the
 * context closes or the process exits (a SIGKILL, or an exit while a batch is being appended,
 * can lose that batch: this is the diagnostic log, the ledger is in SQLite). Before a batch would take the file past
 * `maxBytes` it is rotated (wxprov.log → .1 → .2 …, the oldest dropped); each append opens the
 * file by name, so a CLI and the app sharing the data dir both follow a rotation.
 */
export function fileSink(home: string, o: FileSinkOptions = {}): FlushableSink {
  const dir = path.join(home, 'logs');
  ensurePrivateDir(dir, o.onTightened);
  const file = path.join(dir, 'wxprov.log');
  ensurePrivateFile(file, o.onTightened);
  const maxBytes = o.maxBytes ?? LOG_MAX_BYTES;
  const keep = o.keep ?? LOG_KEEP;
  let queue: string[] = [];
  let draining: Promise<void> | undefined;

  const rotateFor = (size: number, adding: number) => {
    if (size === 0 || size + adding <= maxBytes) return;
    try {
      for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      if (keep >= 1) fs.renameSync(file, `${file}.1`);
      else fs.rmSync(file, { force: true });
    } catch {
      // Another process rotated it first, or the disk refused: appending goes on either way.
    }
  };
  const sizeNow = () => {
    try {
      return fs.statSync(file).size;
    } catch {
      return 0;
    }
  };
  const take = () => {
    const batch = queue.join('');
    queue = [];
    return batch;
  };
  const drain = async () => {
    while (queue.length) {
      const batch = take();
      rotateFor(sizeNow(), Buffer.byteLength(batch));
      try {
        await fs.promises.appendFile(file, batch, { mode: 0o600 });
      } catch {
        // A full disk must not take the station down with it; the line is lost, the work goes on.
      }
    }
    draining = undefined;
  };
  const flushSync = () => {
    if (!queue.length) return;
    const batch = take();
    rotateFor(sizeNow(), Buffer.byteLength(batch));
    try {
      fs.appendFileSync(file, batch, { mode: 0o600 });
    } catch {
      // as above
    }
  };
  atExit(flushSync);
  const sink = ((line: string) => {
    queue.push(line + '\n');
    // Started on the next turn: the lines of this turn go out as one batch, and a flush in this
    // turn (close, exit) still finds them queued, so they are written in order.
    draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
  }) as FlushableSink;
  sink.flushSync = flushSync;
  sink.close = () => {
    flushSync();
    open.delete(flushSync);
  };
  sink.file = file;
  return sink;
}
