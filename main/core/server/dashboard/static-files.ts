import fs from 'node:fs';
import path from 'node:path';
import { CSP } from '../../app/csp.js';
import { WxError } from '../../errors/wx-error.js';
import type { Answer } from '../http/router.js';

/**
 * What every dashboard answer carries, as the station's bridge does (app/bridge/security.ts):
 * the one CSP of the UI (app/csp.ts: only this origin's files and calls), no framing, no
 * referrer, no sniffing, and no sharing of this origin's window or files with other sites.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * How the page knows it is the fleet dashboard, before it asks anything: the server adds this
 * to the built index.html it serves. The same build in Electron (file://) or behind `wxprov
 * ui` has none and is the station.
 */
export const SHELL_META = '<meta name="wxprov-shell" content="fleet">';

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.map': 'application/json; charset=utf-8',
};

/** A file Vite put in assets/: one plain name, nothing that could step out of the folder. */
const ASSET = /^[\w.-]+$/;

const bytes = (b: Buffer, contentType: string, headers: Record<string, string>): Answer => ({
  headers: { ...DASHBOARD_HEADERS, ...headers },
  stream: { contentType, write: async (out) => void (await new Promise<void>((resolve, reject) => out.write(b, (e) => (e ? reject(e) : resolve())))) },
});

/** The built renderer (out/renderer) as the dashboard: its page with the shell flag, and its hashed bundles. */
export class DashboardFiles {
  constructor(private readonly dir: string) {}

  /** The page. Read at each request (a rebuilt renderer needs no restart); no-store: it names this build's bundles. */
  index(): Answer {
    let html: string;
    try {
      html = fs.readFileSync(path.join(this.dir, 'index.html'), 'utf8');
    } catch {
      throw new WxError('FLEET_DASHBOARD_MISSING', { dir: this.dir });
    }
    const flagged = html.includes('<head>') ? html.replace('<head>', `<head>\n    ${SHELL_META}`) : SHELL_META + html;
    return bytes(Buffer.from(flagged, 'utf8'), 'text/html; charset=utf-8', { 'cache-control': 'no-store' });
  }

  /** /assets/<name>: hashed names, so cached for good; they hold no data and need no login. */
  asset(name: string): Answer {
    if (!ASSET.test(name) || name.startsWith('.')) throw new WxError('FLEET_NO_ROUTE', { method: 'GET', path: `/assets/${name}` });
    const file = path.join(this.dir, 'assets', name);
    let b: Buffer;
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile()) throw new Error('not a file');
      b = fs.readFileSync(file);
    } catch {
      throw new WxError('FLEET_NO_ROUTE', { method: 'GET', path: `/assets/${name}` });
    }
    return bytes(b, MIME[path.extname(name).toLowerCase()] ?? 'application/octet-stream', { 'cache-control': 'public, max-age=31536000, immutable' });
  }
}
