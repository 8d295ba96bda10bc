import net from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
import { WxError } from '../errors/wx-error.js';
import { fingerprintOfDer } from './fingerprint.js';

/**
 * Trusting exactly one server: the one whose certificate has the pinned SHA-256 fingerprint.
 * At join the certificate is fetched with a bare TLS handshake (nothing is sent), compared with
 * the fingerprint the engineer typed, and kept. Every later connection trusts that certificate
 * as its only CA and checks the fingerprint of what the server presents instead of its host
 * name, so an address, a DNS name or a proxy in between cannot change which server is trusted,
 * and nothing the OS trusts is.
 */

export interface ServerCert {
  pem: string;
  /** 64 lower-case hex digits. */
  fingerprint: string;
}

export const toPem = (der: Buffer): string => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

/** SNI carries host names only; an IP address there is refused by some servers and warned about by Node. */
export const serverName = (host: string): string | undefined => (net.isIP(host) === 0 ? host : undefined);

/** Host and port of an https URL as tls wants them (IPv6 literals without their brackets). */
export function endpoint(url: URL): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 443 };
}

/** Codes Node gives a connection that never got through (or broke): the server is unreachable, not wrong. */
const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ERR_SOCKET_CLOSED', 'ABORT_ERR']);

export function offline(server: string, detail: string, cause?: unknown): WxError {
  return new WxError('FLEET_OFFLINE', { server, detail }, { retryable: true, cause });
}

/** What a failed connection means: a certificate that is not the pinned one, or no server there. */
export function connectionError(server: string, e: unknown, expected: string): WxError {
  const err = e as NodeJS.ErrnoException & { actual?: string };
  const code = err?.code ?? '';
  if (code === 'ERR_FLEET_PIN' || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_SSL|ERR_TLS/.test(code)) {
    return new WxError('FLEET_CERT_MISMATCH', { server, expected, actual: err.actual ?? code }, { cause: e });
  }
  if (OFFLINE_CODES.has(code) || err?.name === 'AbortError') return offline(server, code || err.message, e);
  return offline(server, err?.message ?? String(e), e);
}

/**
 * checkServerIdentity for a pinned connection: runs after the chain checked out against the
 * pinned certificate, and takes the place of the host-name check. The fingerprint is compared
 * too, so a certificate the pinned one might have signed is not enough either.
 */
export function pinnedIdentity(fingerprint: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const actual = cert?.raw ? fingerprintOfDer(cert.raw) : 'none';
    if (actual === fingerprint) return undefined;
    return Object.assign(new Error(`certificate fingerprint ${actual} is not the pinned ${fingerprint}`), { code: 'ERR_FLEET_PIN', actual });
  };
}

/**
 * The certificate the server at `url` presents, by a TLS handshake that trusts nothing and
 * sends nothing; the caller compares its fingerprint before anything else happens.
 */
export function fetchServerCert(url: URL, o: { expected?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ServerCert> {
  const server = url.origin;
  const { host, port } = endpoint(url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      f();
    };
    // The pin is what is checked: this one handshake must accept any certificate to read it.
    const socket = tls.connect({ host, port, servername: serverName(host), rejectUnauthorized: false });
    const onAbort = () => done(() => reject(offline(server, 'stopped')));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(o.timeoutMs ?? 10_000, () => done(() => reject(offline(server, 'timed out'))));
    socket.once('secureConnect', () => {
      const der = socket.getPeerCertificate(true)?.raw;
      done(() => (der ? resolve({ pem: toPem(der), fingerprint: fingerprintOfDer(der) }) : reject(new WxError('FLEET_BAD_RESPONSE', { detail: 'the server presented no certificate' }))));
    });
    socket.once('error', (e) => done(() => reject(connectionError(server, e, o.expected ?? ''))));
  });
}
