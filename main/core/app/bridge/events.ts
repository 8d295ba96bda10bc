import type { ServerResponse } from 'node:http';

export type EventSource = (cb: (name: string, payload: unknown) => void) => () => void;

export const HEARTBEAT_MS = 1000;

/** The bridge's own event, beside the contract's: the page's sign that the station is alive. */
export const HEARTBEAT_EVENT = 'heartbeat';

/**
 * GET /api/events: one Server-Sent Events stream per page. Each core event becomes
 * `event: <name>\ndata: <json>\n\n`. A `heartbeat` event (data: `{"every_ms": n}`) comes at
 * once and then every n ms: the page knows the station is alive by it, and when it stops (the
 * process hangs, or dies without closing the socket) shows that within a few seconds; a
 * comment line would not do, EventSource gives pages no sight of comments. Closing the page
 * unsubscribes.
 */
export function openEventStream(res: ServerResponse, onEvent: EventSource, heartbeatMs: number): () => void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  const beatFrame = `event: ${HEARTBEAT_EVENT}\ndata: ${JSON.stringify({ every_ms: heartbeatMs })}\n\n`;
  res.write(`: connected\nretry: 2000\n\n${beatFrame}`);
  let closed = false;
  const unsubscribe = onEvent((name, payload) => {
    if (closed || name === HEARTBEAT_EVENT || !/^[\w.-]+$/.test(name)) return;
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
    if (!closed) res.write(beatFrame);
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
