/**
 * The one Content-Security-Policy of the UI, wherever it is served: the Electron window (a
 * response header on its session), the loopback bridge of `wxprov ui` (a response header) and
 * the built page itself (a <meta>, for file:// where no header exists). The page may only load
 * its own files and talk to its own origin; styles are inline because antd injects them at
 * run time; fonts and images may be data: URLs (antd's icons).
 */
const DIRECTIVES: readonly [string, string][] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self' data:"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
];

const join = (ds: readonly [string, string][]) => ds.map(([k, v]) => `${k} ${v}`).join('; ');

/** As a response header: also no framing by anyone. */
export const CSP = join([...DIRECTIVES, ['frame-ancestors', "'none'"]]);

/** As a <meta http-equiv>: the same, less frame-ancestors, which browsers ignore there. */
export const CSP_META = join(DIRECTIVES);
