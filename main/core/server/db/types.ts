/**
 * How both drivers turn PostgreSQL's text values into JavaScript, so a row read from `pg`
 * and from PGlite is the same object. Their defaults differ (pg: bigint as a string, date as
 * a local-time Date; PGlite: bigint as a BigInt, bytea as a Uint8Array), and each converts
 * timestamps to Date, which loses the UTC form the ledger prints. Sessions run in UTC.
 */
export const OID = {
  bytea: 17,
  int8: 20,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
} as const;

/** bigint counters and ids stay far below 2^53 (a factory mints millions, not quadrillions). */
const int8 = (s: string): number => Number(s);

/** '2026-11-30 16:26:55.018+00' (session TimeZone UTC) → '2026-11-30T16:26:55.018Z'. */
function timestamptz(s: string): string {
  if (s === 'infinity' || s === '-infinity') return s;
  const iso = s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

/** A timestamp without time zone is taken as UTC (the schema does not use it; this keeps it unambiguous). */
const timestamp = (s: string): string => timestamptz(/[+-]\d\d(:\d\d)?$/.test(s) ? s : `${s}+00`);

/** bytea in hex output ('\x5758…'). */
const bytea = (s: string): Buffer => (s.startsWith('\\x') ? Buffer.from(s.slice(2), 'hex') : Buffer.from(s, 'latin1'));

export const PARSERS: Readonly<Record<number, (s: string) => unknown>> = {
  [OID.bytea]: bytea,
  [OID.int8]: int8,
  [OID.date]: (s) => s,
  [OID.timestamp]: timestamp,
  [OID.timestamptz]: timestamptz,
};
