import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { parseLogLine, tailLog } from '../../main/core/app/logs-tail.js';
import { tmpDir } from '../helpers/tmp.js';

describe('jsonFileKv', () => {
  it('keeps values across reopen, clears with null, leaves no temp file, and sets an unreadable file aside', () => {
    const file = path.join(tmpDir(), 'sub', 'app.json');
    const kv = jsonFileKv(file);
    expect(kv.get('mode')).toBeUndefined();
    kv.set('mode', 'real');
    kv.set('slots', [{ name: '1', spec: '/dev/ttyUSB0', baud: 115200 }]);
    kv.set('gone', 1);
    kv.set('gone', null);
    const again = jsonFileKv(file);
    expect(again.get('mode')).toBe('real');
    expect(again.get('slots')).toEqual([{ name: '1', spec: '/dev/ttyUSB0', baud: 115200 }]);
    expect(again.get('gone')).toBeUndefined();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['app.json']);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    fs.writeFileSync(file, '{not json');
    const fresh = jsonFileKv(file);
    expect(fresh.get('mode')).toBeUndefined();
    expect(fs.readdirSync(path.dirname(file)).some((f) => f.startsWith('app.json.broken-'))).toBe(true);
  });
});

describe('tailLog', () => {
  it('answers the last n lines, oldest first, across read chunks, parsed and redacted', () => {
    const file = path.join(tmpDir(), 'wxprov.log');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ t: `2026-11-28T00:00:${String(i % 60).padStart(2, '0')}Z`, level: 'info', event: 'e', n: i, pad: 'x'.repeat(50) }));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const tail = tailLog(file, 5);
    expect(tail.map((l) => l.text.match(/n=(\d+)/)![1])).toEqual(['2995', '2996', '2997', '2998', '2999']);
    expect(tail[0]).toMatchObject({ level: 'info', event: 'e' });
    expect(tailLog(file, 1000)).toHaveLength(1000);
    expect(tailLog(path.join(path.dirname(file), 'missing.log'), 5)).toEqual([]);
    expect(parseLogLine('plain text')).toEqual({ t: '', level: 'info', event: '', text: 'plain text' });
    expect(parseLogLine(JSON.stringify({ t: 'x', level: 'warn', event: 'wx', url: 'https://a/b?access_token=SECRET1234' })).text).toBe('url=https://a/b?access_token=***');
  });
});
