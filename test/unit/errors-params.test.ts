import { describe, expect, it } from 'vitest';
import { WxError, formatErrorLine } from '../../main/core/errors/wx-error.js';

describe('error texts and their params', () => {
  it('keeps braces that are not a given param: the template hint shows the tokens it suggests', () => {
    const p = new WxError('TEMPLATE_INVALID', { detail: 'no {station}' }).toPayload();
    expect(p.hint_zh).toContain('FR{station}{date:YYMMDD}{seq:6}');
    expect(p.hint_en).toContain('{station} {date:YYMMDD} {seq:N} {hwid} {sn}');
    // A given param is still filled, once: its value is not read as a template again.
    expect(p.message_en).toBe('The device id template is invalid: no {station}');
  });

  it('fills a param given as zh/en words in each language', () => {
    const p = new WxError('LINE_RUNNING', { what: { zh: '夹具位', en: 'the slots' } }).toPayload();
    expect(p.hint_zh).toBe('先停止产线，再修改夹具位');
    expect(p.hint_en).toBe('Stop the line before changing the slots');
    expect(new WxError('LINE_RUNNING', { what: { zh: '夹具位', en: 'the slots' } }).message).toBe('The line is running');
  });

  it('a param given as undefined is empty, as before', () => {
    expect(new WxError('KEY_NOT_FOUND', { product_id: 7, version: undefined }).toPayload().message_zh).toBe('产品 7 没有密钥');
  });

  it('gives operators words and engineers the command: the CLI line prints both', () => {
    const p = new WxError('PORT_NOT_FOUND', { port: '/dev/ttyUSB9' }).toPayload();
    expect(p.hint_zh).toBe('检查 USB 线和转接器是否插好');
    expect(p.engineer_zh).toBe('用 wxprov ports 查看可用端口；网络治具（tcp:）检查它的网线和电源');
    expect(p.engineer_en).toBe('See the ports with wxprov ports; for a networked jig (tcp:), check its network cable and power');
    const line = formatErrorLine(p);
    expect(line).toContain('Check the USB cable and adapter. See the ports with wxprov ports');
    expect(line).toContain('检查 USB 线和转接器是否插好。用 wxprov ports 查看可用端口');
  });

  it('CONFIG_MISSING names the setting to the operator and the variable to the engineer only', () => {
    const p = new WxError('CONFIG_MISSING', { what: 'AppSecret', name: 'WXPROV_APPSECRET' }).toPayload();
    expect(`${p.message_zh}${p.hint_zh}${p.message_en}${p.hint_en}`).not.toContain('WXPROV_');
    expect(p.hint_zh).toBe('在设置页填写 AppSecret');
    expect(p.engineer_en).toBe('CLI: set the environment variable WXPROV_APPSECRET');
  });

  it('a code without engineer detail has none in its payload', () => {
    const p = new WxError('LOCK_PIN_WRONG', { tries_left: 2 }).toPayload();
    expect(p).not.toHaveProperty('engineer_zh');
    expect(formatErrorLine(p, 'en')).toBe('error LOCK_PIN_WRONG: The PIN is wrong. 2 more tries before a pause');
  });
});
