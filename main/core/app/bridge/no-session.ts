import type { ServerResponse } from 'node:http';
import { WxError } from '../../errors/wx-error.js';
import { sendJson } from './respond.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * What a browser gets at the page without the token or this run's cookie (an old bookmark, a
 * reload after the station restarted): both languages, saying how to get in, and nothing of
 * the app. No script, so it works under the CSP; the texts are the error code's.
 */
export function sendNoSessionPage(res: ServerResponse): void {
  const p = new WxError('UI_SESSION_REQUIRED').toPayload();
  const html = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.message_zh)} · ${escapeHtml(p.message_en)}</title>
<style>
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f5f5f5; color: #1f1f1f; }
main { max-width: 640px; margin: 12vh auto; padding: 32px; background: #fff; border-top: 6px solid #cf1322; }
h1 { font-size: 24px; margin: 0 0 8px; }
p { font-size: 17px; line-height: 1.6; margin: 0 0 24px; }
[lang="en"] { color: #595959; }
</style>
</head>
<body>
<main data-code="${p.code}">
<section lang="zh-CN"><h1>${escapeHtml(p.message_zh)}</h1><p>${escapeHtml(p.hint_zh)}</p></section>
<section lang="en"><h1>${escapeHtml(p.message_en)}</h1><p>${escapeHtml(p.hint_en)}</p></section>
</main>
</body>
</html>
`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(403, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

/** The same refusal for /api: a Result a script can read. */
export function sendNoSessionJson(res: ServerResponse): void {
  sendJson(res, 403, { ok: false, error: new WxError('UI_SESSION_REQUIRED').toPayload() });
}
