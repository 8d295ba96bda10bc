import type { CoreContext } from '../context.js';
import { WxError, type ErrorPayload } from '../errors/wx-error.js';
import { redactor } from '../log/redact.js';
import { Outbox } from '../registry/outbox.js';
import { Settings } from '../registry/settings.js';
import { BlockStore } from './blocks.js';
import { FleetClient } from './client.js';
import { applyDownlink, fleetProductIds } from './downlink.js';
import { FINGERPRINT_ALLOWED, parseFingerprint } from './fingerprint.js';
import { MembershipStore } from './membership.js';
import { fetchServerCert } from './pinned-tls.js';
import { refill } from './refill.js';
import { FleetSession, type SessionOptions } from './session.js';

export interface JoinInput {
  server: string;
  fingerprint: string;
  /** The one-time enrolment code the server's administrator gave. */
  code: string;
}

export interface JoinResult {
  server: string;
  fingerprint: string;
  station_code: string;
  downlink_version: number;
  /** Unused pre-signed ids per product once the first blocks are in. */
  blocks: Record<string, number>;
  joined_at: string;
  /** Products whose first block could not be taken (the station is joined; `fleet sync` takes them). */
  errors: Record<string, ErrorPayload>;
}

// Named for both readers: the engineer at the setup screen and at the command line.
const SERVER_FIELD = { zh: '服务器地址（--server）', en: 'The server address (--server)' };
const SERVER_ALLOWED = { zh: 'https://<主机>:<端口>', en: 'https://<host>:<port>' };
const FINGERPRINT_FIELD = { zh: '证书指纹（--fingerprint）', en: 'The certificate fingerprint (--fingerprint)' };

/** The server's address: an https origin (a path, a query or credentials in it are refused). */
export function serverUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new WxError('INPUT_INVALID', { field: SERVER_FIELD, detail: text, allowed: SERVER_ALLOWED });
  }
  if (u.protocol !== 'https:' || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    throw new WxError('INPUT_INVALID', { field: SERVER_FIELD, detail: text, allowed: SERVER_ALLOWED });
  }
  return u;
}

/**
 * Joins the factory server: checks everything that can be checked before the one-time
 * enrolment code is spent (the address, the fingerprint's form, no registrations of this
 * station's own still queued, the key store able to seal the credential), then fetches the
 * server's certificate and compares its fingerprint with the pinned one (FLEET_CERT_MISMATCH,
 * nothing sent), joins, and in one transaction keeps the membership (the certificate, the
 * credential sealed), the first downlink and the station code the server gave (which becomes
 * this station's station_code). Before it returns it takes a full block of pre-signed ids for
 * every product whose ids can be minted ahead, so the line can start at once, offline or not.
 */
export async function joinFleet(ctx: CoreContext, input: JoinInput, o: SessionOptions & { signal?: AbortSignal } = {}): Promise<JoinResult> {
  const url = serverUrl(input.server);
  const fingerprint = parseFingerprint(input.fingerprint);
  if (!fingerprint) throw new WxError('INPUT_INVALID', { field: FINGERPRINT_FIELD, detail: input.fingerprint, allowed: { zh: '64 位十六进制数字（每两位之间可以有冒号），或 sha256/<base64>', en: FINGERPRINT_ALLOWED } });
  const code = input.code.trim();
  if (!code) throw new WxError('INPUT_MISSING', { field: '--code', usage: 'wxprov fleet join --server <url> --fingerprint <fp> --code <code>' });
  const members = new MembershipStore(ctx.db);
  const was = members.get();
  if (was && !was.revoked_at) throw new WxError('FLEET_ALREADY_JOINED', { server: was.server_url, station_code: was.station_code });
  // Ids this station queued itself must be registered first: once joined, it registers nothing.
  const queued = new Outbox(ctx.db).stats().pending;
  if (queued > 0) throw new WxError('FLEET_JOIN_QUEUE_PENDING', { count: queued });
  // The key store must be able to seal the credential now: the enrolment code works once.
  ctx.sealer().seal(Buffer.from('probe'));

  const cert = await fetchServerCert(url, { expected: fingerprint, timeoutMs: o.timeoutMs, signal: o.signal });
  if (cert.fingerprint !== fingerprint) {
    throw new WxError('FLEET_CERT_MISMATCH', { server: url.origin, expected: fingerprint, actual: cert.fingerprint });
  }
  const make = o.client ?? ((opts) => new FleetClient(opts));
  const client = make({ url: url.origin, certPem: cert.pem, fingerprint, timeoutMs: o.timeoutMs });
  let answer;
  try {
    answer = await client.join(code, { signal: o.signal });
  } finally {
    client.close();
  }
  // Masked in every log line from now on, wherever a careless error might quote it.
  redactor.add(answer.credential);
  const sealed = ctx.sealer().seal(Buffer.from(answer.credential, 'utf8'));
  const at = ctx.now().toISOString();
  ctx.db
    .transaction(() => {
      // Joining again after a revocation: ids and requests of the old membership are not this one's to use.
      ctx.db.prepare("UPDATE fleet_ids SET state = 'void' WHERE state = 'unused'").run();
      ctx.db.prepare('DELETE FROM fleet_block_requests WHERE block_id IS NULL').run();
      members.write({ server_url: url.origin, fingerprint, server_cert_pem: cert.pem, station_code: answer.station, joined_at: at, joined_by: ctx.actor }, sealed);
      applyDownlink(ctx.db, answer.downlink, at);
      new Settings(ctx.db).set('station_code', answer.station, at, ctx.actor);
    })
    .immediate();
  ctx.log.info('fleet.joined', { server: url.origin, fingerprint, station_code: answer.station, downlink_version: answer.downlink.version });

  const session = new FleetSession(ctx, o);
  try {
    const r = await refill(ctx, session, { signal: o.signal });
    return {
      server: url.origin,
      fingerprint,
      station_code: answer.station,
      downlink_version: answer.downlink.version,
      blocks: new BlockStore(ctx.db).unusedBy(fleetProductIds(ctx.db)),
      joined_at: at,
      errors: r.errors,
    };
  } finally {
    session.close();
  }
}
