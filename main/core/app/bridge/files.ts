import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { forbidden, notFound, sendText } from './respond.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

/** Only the export files the station writes may be downloaded. */
export const DOWNLOAD_NAME = /^records-[\w.-]+\.csv$/;

const SEGMENT = /^[\w@.-]+$/;

/** Decodes a path segment; undefined when it is malformed or could step outside its folder. */
function safeSegment(raw: string): string | undefined {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!SEGMENT.test(s) || s === '.' || s === '..') return undefined;
  return s;
}

const inside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
};

/** A regular file (not a link) whose real path is inside `dir`, or undefined. */
function fileInside(dir: string, rel: string[]): { file: string; size: number } | undefined {
  try {
    const root = fs.realpathSync(dir);
    const file = path.join(root, ...rel);
    if (!inside(root, file)) return undefined;
    const st = fs.lstatSync(file);
    if (!st.isFile()) return undefined;
    if (!inside(root, fs.realpathSync(file))) return undefined;
    return { file, size: st.size };
  } catch {
    return undefined;
  }
}

function stream(req: IncomingMessage, res: ServerResponse, f: { file: string; size: number }, headers: Record<string, string>): void {
  res.writeHead(200, { 'Content-Type': MIME[path.extname(f.file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(f.size), ...headers });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const rs = fs.createReadStream(f.file);
  rs.on('error', () => res.destroy());
  rs.pipe(res);
}

/** The page itself (the caller has checked the token). */
export function serveIndex(req: IncomingMessage, res: ServerResponse, staticDir: string): void {
  const f = fileInside(staticDir, ['index.html']);
  if (!f) {
    sendText(res, 404, 'The renderer is not built (out/renderer/index.html is missing): npm run build:renderer\n');
    return;
  }
  stream(req, res, f, { 'Cache-Control': 'no-store' });
}

/** /assets/<...>: Vite's hashed bundles. They hold no data, so they need no token. */
export function serveAsset(req: IncomingMessage, res: ServerResponse, staticDir: string, rest: string): void {
  const parts = rest.split('/');
  const segs = parts.map(safeSegment);
  if (parts.length === 0 || segs.some((s) => s === undefined)) return forbidden(res);
  const f = fileInside(path.join(staticDir, 'assets'), segs as string[]);
  if (!f) return notFound(res);
  stream(req, res, f, { 'Cache-Control': 'public, max-age=31536000, immutable' });
}

/** /download/<records-*.csv>: an export, from one of the folders the station exports to. */
export function serveDownload(req: IncomingMessage, res: ServerResponse, dirs: string[], raw: string): void {
  const name = safeSegment(raw);
  if (!name || !DOWNLOAD_NAME.test(name)) return forbidden(res);
  for (const dir of dirs) {
    const f = fileInside(dir, [name]);
    if (f) {
      stream(req, res, f, {
        'Cache-Control': 'no-store',
        'Content-Disposition': `attachment; filename="${name}"`,
      });
      return;
    }
  }
  notFound(res);
}
