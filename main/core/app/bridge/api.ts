import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handlers } from '../../../../preload/contract.js';
import { WxError } from '../../errors/wx-error.js';
import { dispatch } from '../dispatch.js';
import { sendJson } from './respond.js';

export const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

/** The request body, refused once it passes `limit` bytes (announced or actually sent). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const announced = Number(req.headers['content-length']);
    if (Number.isFinite(announced) && announced > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const bodyError = (detail: string) =>
  new WxError('INPUT_INVALID', { field: 'body', detail, allowed: 'one JSON document of at most 1 MB' }).toPayload();

/** POST /api/<name>: JSON body → dispatch (validation, handler, errors as payloads) → 200 Result. */
export async function handleInvoke(handlers: Handlers, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      res.setHeader('Connection', 'close');
      sendJson(res, 413, { ok: false, error: bodyError('larger than 1 MB') });
    } else sendJson(res, 400, { ok: false, error: bodyError('could not be read') });
    return;
  }
  let input: unknown = undefined;
  const text = raw.toString('utf8').trim();
  if (text.length > 0) {
    try {
      input = JSON.parse(text);
    } catch {
      sendJson(res, 400, { ok: false, error: bodyError('not valid JSON') });
      return;
    }
  }
  const result = await dispatch(handlers, name, input);
  sendJson(res, 200, result);
}
