import type { IncomingMessage } from 'node:http';
import { WxError } from '../../errors/wx-error.js';

/** Requests are small JSON documents; a route that takes more (an uplink batch) says so. */
export const DEFAULT_BODY_LIMIT = 256 * 1024;

/**
 * The request's JSON body, or undefined when it has none. Refused before it is read when its
 * declared length is over the limit, and cut off (the connection closed) as soon as it goes
 * over while streaming: a client cannot make the server buffer more than `limit` bytes.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new WxError('FLEET_BODY_TOO_LARGE', { limit });
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new WxError('FLEET_BODY_TOO_LARGE', { limit });
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  if (type !== 'application/json') throw new WxError('FLEET_BAD_REQUEST', { detail: `content-type ${type || 'missing'}, not application/json` });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new WxError('FLEET_BAD_REQUEST', { detail: 'the body is not JSON' });
  }
}

type Obj = Record<string, unknown>;

/** The body as an object (a request that needs fields), else FLEET_BAD_REQUEST. */
export function bodyObject(body: unknown): Obj {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new WxError('FLEET_BAD_REQUEST', { detail: 'the body is not a JSON object' });
  return body as Obj;
}

/** A text field, trimmed; INPUT_MISSING when absent or empty. */
export function textField(o: Obj, name: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v.trim() === '') throw new WxError('INPUT_MISSING', { field: name, usage: `a JSON body with "${name}"` });
  return v.trim();
}

export function optionalText(o: Obj, name: string): string | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new WxError('INPUT_INVALID', { field: name, detail: typeof v, allowed: 'text' });
  return v;
}
