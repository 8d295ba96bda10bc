import crypto, { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensurePrivateDir, tightenFile } from '../../config/private-files.js';
import { WxError } from '../../errors/wx-error.js';
import { fingerprintOfDer } from '../../fleet/fingerprint.js';
import { writePrivateFile } from '../home.js';

export interface ServerTls {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the certificate's DER, 64 lower-case hex digits: what stations pin. */
  fingerprint: string;
  /** Made by this start (false: the one from an earlier start). */
  created: boolean;
}

export const TLS_DIR = 'tls';
const KEY_FILE = 'key.pem';
const CERT_FILE = 'cert.pem';
/** Stations pin the certificate itself, so it must outlive the factory: a new one means every station joins again. */
const VALID_YEARS = 30;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** The names a certificate should carry: IP addresses and DNS names, without duplicates or what cannot be one. */
export function subjectAltNames(hosts: readonly string[]): { type: 'ip' | 'dns'; value: string }[] {
  const out = new Map<string, { type: 'ip' | 'dns'; value: string }>();
  for (const raw of hosts) {
    const h = raw.trim().replace(/^\[|\]$/g, '');
    if (!h || h === '0.0.0.0' || h === '::') continue;
    if (net.isIP(h)) out.set(`ip:${h}`, { type: 'ip', value: h });
    else if (/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/.test(h)) out.set(`dns:${h.toLowerCase()}`, { type: 'dns', value: h.toLowerCase() });
  }
  return [...out.values()];
}

async function generate(hosts: readonly string[], now: Date): Promise<{ certPem: string; keyPem: string }> {
  // @peculiar/x509 needs a Reflect metadata polyfill (its dependency injection); loaded only here.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // Node's WebCrypto is the standard interface; the library's type is the DOM one, which this build does not load.
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = crypto.randomBytes(16);
  serial[0] &= 0x7f; // a positive serial, as RFC 5280 asks
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: 'CN=wxprov factory server, O=WMPF provisioning',
    notBefore: new Date(now.getTime() - 24 * 3600_000), // a station whose clock is a day behind still accepts it
    notAfter: new Date(now.getTime() + VALID_YEARS * 365 * 24 * 3600_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(subjectAltNames(hosts)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  try {
    return { certPem: cert.toString('pem') + '\n', keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n' };
  } finally {
    pkcs8.fill(0);
  }
}

function load(dir: string, keyPem: string, certPem: string): { fingerprint: string } {
  const bad = (detail: string, cause?: unknown): never => {
    throw new WxError('FLEET_TLS_FAILED', { detail, dir }, { cause });
  };
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(certPem);
  } catch (e) {
    return bad(`${CERT_FILE} is not a certificate`, e);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(keyPem);
  } catch (e) {
    return bad(`${KEY_FILE} is not a private key`, e);
  }
  if (!cert.checkPrivateKey(key)) bad(`${KEY_FILE} is not the key of ${CERT_FILE}`);
  return { fingerprint: fingerprintOfDer(cert.raw) };
}

/**
 * The server's TLS identity: made on the first start (ECDSA P-256, self-signed, for the names
 * given plus what every server answers to), then the same one at every start, because stations
 * pin its fingerprint. It is never replaced by itself: a key and certificate that do not
 * belong together, or a key without its certificate, stop the start (FLEET_TLS_FAILED) rather
 * than quietly change the fingerprint under every station. A key written without its
 * certificate (a crash between the two writes) was never served, so that pair is made again.
 * The key is 0600 in a 0700 folder; the names are a courtesy (stations check the fingerprint,
 * not the name), so a later --listen on another address keeps the certificate.
 */
export async function ensureServerTls(home: string, o: { hosts: readonly string[]; now: Date }): Promise<ServerTls> {
  const dir = path.join(home, TLS_DIR);
  ensurePrivateDir(dir);
  const keyFile = path.join(dir, KEY_FILE);
  const certFile = path.join(dir, CERT_FILE);
  tightenFile(keyFile);
  tightenFile(certFile);
  const haveCert = fs.existsSync(certFile);
  if (haveCert) {
    if (!fs.existsSync(keyFile)) throw new WxError('FLEET_TLS_FAILED', { detail: `${CERT_FILE} is there but ${KEY_FILE} is missing`, dir });
    const keyPem = fs.readFileSync(keyFile, 'utf8');
    const certPem = fs.readFileSync(certFile, 'utf8');
    return { certPem, keyPem, ...load(dir, keyPem, certPem), created: false };
  }
  const made = await generate(['127.0.0.1', '::1', 'localhost', ...o.hosts], o.now);
  writePrivateFile(keyFile, made.keyPem);
  writePrivateFile(certFile, made.certPem);
  return { ...made, ...load(dir, made.keyPem, made.certPem), created: true };
}
