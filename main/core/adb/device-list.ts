/** One line of `adb devices -l`, as the ADB server lists it. */
export interface AdbDevice {
  serial: string;
  /** `device` (ready), `unauthorized`, `offline`, or whatever else the server says (`recovery`, `no permissions (…)`). */
  state: 'device' | 'unauthorized' | 'offline' | (string & {});
  /** The USB port path (`1-1.2` from `usb:1-1.2`); Linux and macOS servers give it, Windows ones do not. */
  usb?: string;
  model?: string;
  product?: string;
  device?: string;
  transport_id?: number;
}

const KEYS = new Set(['usb', 'product', 'model', 'device', 'transport_id']);

const keyOf = (token: string): string | undefined => {
  const i = token.indexOf(':');
  return i > 0 && KEYS.has(token.slice(0, i)) ? token.slice(0, i) : undefined;
};

/**
 * Parses a `host:devices-l` (or `host:devices`) listing. The state runs from after the serial to
 * the first `key:value` token, because some states have spaces (`no permissions (…); see […]`).
 */
export function parseDeviceList(text: string): AdbDevice[] {
  const out: AdbDevice[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    if (tokens.length < 2) continue;
    const [serial, ...rest] = tokens;
    const firstKey = rest.findIndex((t) => keyOf(t) !== undefined);
    const stateTokens = firstKey < 0 ? rest : rest.slice(0, firstKey);
    const d: AdbDevice = { serial, state: stateTokens.join(' ') };
    for (const t of firstKey < 0 ? [] : rest.slice(firstKey)) {
      const k = keyOf(t);
      if (!k) continue;
      const v = t.slice(k.length + 1);
      if (k === 'transport_id') {
        if (/^\d+$/.test(v)) d.transport_id = Number(v);
      } else if (v) {
        d[k as 'usb' | 'product' | 'model' | 'device'] = v;
      }
    }
    out.push(d);
  }
  return out;
}
