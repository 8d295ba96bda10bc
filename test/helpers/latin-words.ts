/**
 * Latin words of a Chinese text, for the checks that the zh UI has no English fragments.
 * Placeholders and template tokens ({station}, {date:YYMMDD}), argument slots (<编号>), paths
 * (/dev/ttyUSB0) and the port-spec prefixes sn: / loc: / tcp: / adb: / adbusb: are what the reader types or sees filled
 * in, not words. Runs of one or two letters are ids and examples (ID, IP, KB, wx, A1, FR),
 * never an English word on their own.
 */
export function latinWords(text: string): string[] {
  const bare = text
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\/[\w./-]+/g, ' ')
    .replace(/\b(?:sn|loc|tcp|adb|adbusb):/g, ' ');
  return (bare.match(/[A-Za-z_]+/g) ?? []).filter((w) => (w.match(/[A-Za-z]/g) ?? []).length >= 3);
}

/**
 * Words allowed in zh text, each because the person reading it meets it spelled this way
 * elsewhere. Anything else is an English fragment that needs a Chinese word.
 */
export const ALLOWED_LATIN: ReadonlySet<string> = new Set([
  // names the WeChat platform and this app's setup screen use as they are
  'AppID',
  'AppSecret',
  'hostAppId',
  'push_token',
  'WMPF',
  // the factory's manufacturing execution system: what every line calls it
  'MES',
  // abbreviations printed on hardware, in Windows and in Excel's menus
  'USB',
  'COM',
  'CSV',
  'UTF',
  'PEM',
  'PIN',
  'HTTP',
  // Android's debug bridge: what the device's developer options and its prompt call it
  'ADB',
  // what the engineer types and compares when joining a factory server: its address starts
  // with https://, and the server prints its certificate's fingerprint as SHA-256
  'https',
  'SHA',
  // software the reader has to find by its name
  'Excel',
  'WPS',
  'Linux',
  'GNOME',
  'Keyring',
  'KWallet',
]);

/** The Latin words of a text that are not on the allow-list. */
export const strayLatin = (text: string): string[] => latinWords(text).filter((w) => !ALLOWED_LATIN.has(w));
