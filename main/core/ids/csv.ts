/**
 * Minimal RFC 4180 for one line: commas, double-quoted fields, "" for a quote. Id files are
 * exported from spreadsheets and MES systems, so quoting and a BOM have to be understood;
 * multi-line fields never occur in an id list and are not supported.
 */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  let field = '';
  let quoted = false;
  while (i < line.length) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
    i++;
  }
  out.push(field);
  return out;
}

/** Quotes a field when it has to be (and always when `always`), for Excel/WPS-safe output. */
export function csvField(v: string | number | null | undefined, always = false): string {
  const s = v === null || v === undefined ? '' : String(v);
  return always || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (fields: (string | number | null | undefined)[], always = false): string =>
  fields.map((f) => csvField(f, always)).join(',');

/**
 * A text cell that Excel/WPS would run as a formula (`=`, `+`, `-`, `@`, or a tab/CR in front
 * of one) gets a leading apostrophe, as OWASP's CSV-injection guidance says. Every CSV we
 * write goes through here: hwid, sn and last_error come from units, scanners and the platform.
 * Being a valid device id is no exemption: `-A1` is a formula (a cell reference). Numbers
 * pass: ours are never negative.
 */
export function neutraliseCell<T extends string | number | null | undefined>(v: T): T | string {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** csvRow with every cell neutralised: the writer for CSV that may be opened in a spreadsheet. */
export const csvSafeRow = (fields: (string | number | null | undefined)[], always = false): string => csvRow(fields.map(neutraliseCell), always);
