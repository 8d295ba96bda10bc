import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../main/core/log/logger.js';
import { fileSink } from '../../main/core/log/file-sink.js';
import { tmpDir } from '../helpers/tmp.js';

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('the log file sink', () => {
  it('does not write on the caller’s turn of the event loop: lines go out in a batch afterwards, in order', async () => {
    const home = tmpDir();
    const sink = fileSink(home);
    const log = createLogger([sink]);
    for (let i = 0; i < 200; i++) log.info('tick', { i });
    expect(lines(sink.file)).toEqual([]); // nothing written synchronously
    await new Promise((r) => setTimeout(r, 50));
    expect(lines(sink.file).map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    sink.close();
  });

  it('flush and close write out what is queued, synchronously', () => {
    const home = tmpDir();
    const sink = fileSink(home);
    const log = createLogger([sink]);
    log.warn('one');
    log.flush();
    expect(lines(sink.file).map((l) => JSON.parse(l).event)).toEqual(['one']);
    log.error('two');
    sink.close();
    expect(lines(sink.file).map((l) => JSON.parse(l).event)).toEqual(['one', 'two']);
  });

  it('rotates by size, keeping the newest N files, and never splits a batch across files', async () => {
    const home = tmpDir();
    const sink = fileSink(home, { maxBytes: 1000, keep: 2 });
    const log = createLogger([sink]);
    for (let i = 0; i < 40; i++) {
      log.info('line', { i, pad: 'x'.repeat(60) }); // ~110 bytes a line
      log.flush(); // one batch per line, so rotations happen between lines
    }
    const dir = path.dirname(sink.file);
    expect(fs.readdirSync(dir).sort()).toEqual(['wxprov.log', 'wxprov.log.1', 'wxprov.log.2']);
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1000);
    // The newest lines are in the live file, the ones before in .1, then .2; older ones are gone.
    const all = [...lines(`${sink.file}.2`), ...lines(`${sink.file}.1`), ...lines(sink.file)].map((l) => JSON.parse(l).i as number);
    expect(all.at(-1)).toBe(39);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(all.length).toBeLessThan(40);
    sink.close();
  });
});
