import type { ServerResponse } from 'node:http';

export type EventSource = (cb: (name: string, payload: unknown) => void) => () => void;

export const HEARTBEAT_MS = 15_000;

/**
 * GET /api/events: one Server-Sent Events stream per page. Each core event becomes
 * `event: <name>\ndata: <json>\n\n`; a comment line every heartbeat keeps proxies and the
 * browser from timing the stream out. Closing the page unsubscribes.
 */
export function openEventStream(res: ServerResponse, onEvent: EventSource, heartbeatMs: number): () => void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(': connected\nretry: 2000\n\n');
  let closed = false;
  const unsubscribe = onEvent((name, payload) => {
    if (closed || !/^[\w.-]+$/.test(name)) return;
    let data: string;
    try {
      data = JSON.stringify(payload ?? null);
    } catch {
      return;
    }
    // JSON.stringify never emits a raw newline, so one data line is enough.
    res.write(`event: ${name}\ndata: ${data}\n\n`);
  });
  const beat = setInterval(() => {
    if (!closed) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  beat.unref();
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    unsubscribe();
  };
  res.on('close', close);
  return () => {
    close();
    res.end();
  };
}
