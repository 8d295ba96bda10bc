/**
 * The factory server's address and certificate fingerprint as the join card takes them. The
 * core decides (main/core/fleet/join.ts, fingerprint.ts); these only spare the engineer a
 * round trip for a typo, and accept what people really paste. A test holds them to the core.
 */

/** What was typed or pasted, without the spaces and line breaks a terminal's wrapping adds. */
export const compactFingerprint = (text: string): string => text.replace(/\s+/g, '');

/** One of the forms the core parses: 64 hex digits, colon-separated pairs, or sha256/<base64 of 32 bytes>. */
export function looksLikeFingerprint(text: string): boolean {
  const s = compactFingerprint(text);
  return /^[0-9a-f]{64}$/i.test(s) || /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(s) || /^sha256\/[A-Za-z0-9+/_-]{43}=?$/i.test(s);
}

/** The colon form in rows of `perRow` pairs, to read out and compare group by group. */
export function fingerprintRows(colons: string, perRow = 8): string[] {
  const pairs = colons.split(':');
  const rows: string[] = [];
  for (let i = 0; i < pairs.length; i += perRow) rows.push(pairs.slice(i, i + perRow).join(':'));
  return rows;
}

/** The server's address as the core wants it: https:// is assumed when no scheme is typed. */
export function serverAddress(text: string): string {
  const s = text.trim();
  return s === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
}

/** An https origin: host and port only (no path, query or user), as the core requires. */
export function isServerAddress(text: string): boolean {
  try {
    const u = new URL(serverAddress(text));
    return u.protocol === 'https:' && !u.username && !u.password && (u.pathname === '/' || u.pathname === '') && !u.search && !u.hash;
  } catch {
    return false;
  }
}
