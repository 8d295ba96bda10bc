import { describe, expect, it } from 'vitest';
import { CODES } from '../../main/core/errors/codes.js';
import { zhCN } from '../../renderer/src/i18n/zh-CN.js';
import { latinWords, strayLatin } from '../helpers/latin-words.js';

/**
 * The Chinese UI speaks Chinese: every zh message and hint the operator can see, and every zh
 * UI string, is walked for Latin words. Engineer detail (`engineer` in codes.ts) is exempt: it
 * is shown only behind 详情 and printed by the CLI. The allow-list, with why each word is on
 * it, is in ../helpers/latin-words.ts.
 */

/** Raised only by the CLI's own parser (cli/help.ts), never shown in the app. */
const CLI_ONLY = new Set(['INPUT_UNKNOWN_COMMAND_NEAR']);

const strays = (texts: [string, string][]): string[] =>
  texts.flatMap(([where, text]) => strayLatin(text).map((w) => `${where}: "${w}" in ${text}`));

describe('Chinese texts have no English fragments', () => {
  it('finds the fragments the line screen showed before (the check can fail)', () => {
    expect(latinWords('先停止产线，再修改the slots')).toEqual(['the', 'slots']);
    expect(latinWords('模板需要 {sn}，但没有提供。scan the unit barcode (--sn)')).toEqual(['scan', 'the', 'unit', 'barcode']);
    expect(latinWords('用 wxprov ports 查看可用串口')).toEqual(['wxprov', 'ports']);
    expect(latinWords('设置环境变量 WXPROV_APPID')).toEqual(['WXPROV_APPID']);
    expect(latinWords('例如 FR{station}{date:YYMMDD}{seq:6}，串口 /dev/ttyUSB0、COM3 或 sn:<USB 序列号>')).toEqual(['COM']);
  });

  it('every zh message and operator hint in codes.ts', () => {
    const texts = Object.entries(CODES)
      .filter(([code]) => !CLI_ONLY.has(code))
      .flatMap(([code, c]): [string, string][] => [
        [`${code}.zh`, c.zh],
        [`${code}.hint_zh`, c.hint_zh],
      ]);
    expect(strays(texts)).toEqual([]);
  });

  it('every zh UI string in renderer/src/i18n/zh-CN.ts', () => {
    expect(strays(Object.entries(zhCN))).toEqual([]);
  });
});

describe('operator hints name no command and no environment variable', () => {
  const COMMANDISH = /\bwxprov\b|\bWXPROV_\w+|(?:^|[\s(（：])--[a-z]|\b(?:sudo|apt-get|brew|openssl|usermod)\b|\/cgi-bin\//;

  it('finds them where they were (the check can fail)', () => {
    expect('检查 USB 线和转接器是否插好；用 wxprov ports 查看可用串口').toMatch(COMMANDISH);
    expect('Set the environment variable WXPROV_APPSECRET').toMatch(COMMANDISH);
    expect('if it was not created, run again with --force').toMatch(COMMANDISH);
    expect('Check the USB cable and adapter').not.toMatch(COMMANDISH);
  });

  it('in both languages, for every code the app can show', () => {
    const bad = Object.entries(CODES)
      .filter(([code]) => !CLI_ONLY.has(code))
      .flatMap(([code, c]) => [c.zh, c.en, c.hint_zh, c.hint_en].filter((text) => COMMANDISH.test(text)).map((text) => `${code}: ${text}`));
    expect(bad).toEqual([]);
  });

  it('what an engineer needs instead is in the engineer detail, in both languages or neither', () => {
    for (const [code, c] of Object.entries(CODES)) {
      const e = (c as { engineer?: { zh: string; en: string } }).engineer;
      if (e) expect([code, e.zh.trim() !== '', e.en.trim() !== '']).toEqual([code, true, true]);
    }
  });
});
