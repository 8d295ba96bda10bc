import type { Db } from '../db/open.js';

/** What this station knows of the server it joined (fleet_membership); the credential stays sealed. */
export interface Membership {
  server_url: string;
  /** 64 lower-case hex digits: the SHA-256 of the certificate's DER. */
  fingerprint: string;
  server_cert_pem: string;
  station_code: string;
  joined_at: string;
  joined_by: string;
  last_contact_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  revoked_at: string | null;
}

const COLS = 'server_url, fingerprint, server_cert_pem, station_code, joined_at, joined_by, last_contact_at, last_error, last_error_at, revoked_at';

/** Whether this data dir belongs to a factory server (the one question most modules ask). */
export const isJoined = (db: Db): boolean => db.prepare('SELECT 1 FROM fleet_membership WHERE id = 1').get() !== undefined;

export class MembershipStore {
  constructor(private readonly db: Db) {}

  get(): Membership | undefined {
    return this.db.prepare(`SELECT ${COLS} FROM fleet_membership WHERE id = 1`).get() as Membership | undefined;
  }

  /** The credential as stored: sealed (`WXS:env1:`), opened only by the session that uses it. */
  sealedCredential(): Buffer | undefined {
    return (this.db.prepare('SELECT credential_sealed FROM fleet_membership WHERE id = 1').get() as { credential_sealed: Buffer } | undefined)?.credential_sealed;
  }

  /** A new membership (the join), replacing one the server revoked. Runs in the caller's transaction. */
  write(m: Pick<Membership, 'server_url' | 'fingerprint' | 'server_cert_pem' | 'station_code' | 'joined_at' | 'joined_by'>, sealedCredential: Buffer): void {
    this.db
      .prepare(
        `INSERT INTO fleet_membership (id, server_url, fingerprint, server_cert_pem, station_code, credential_sealed, joined_at, joined_by, last_contact_at)
         VALUES (1, @server_url, @fingerprint, @server_cert_pem, @station_code, @credential, @joined_at, @joined_by, @joined_at)
         ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url, fingerprint = excluded.fingerprint,
           server_cert_pem = excluded.server_cert_pem, station_code = excluded.station_code, credential_sealed = excluded.credential_sealed,
           joined_at = excluded.joined_at, joined_by = excluded.joined_by, last_contact_at = excluded.last_contact_at,
           last_error = NULL, last_error_at = NULL, revoked_at = NULL`,
      )
      .run({ ...m, credential: sealedCredential });
  }

  contact(at: string): void {
    this.db.prepare('UPDATE fleet_membership SET last_contact_at = ?, last_error = NULL, last_error_at = NULL WHERE id = 1').run(at);
  }

  failed(code: string, at: string): void {
    this.db.prepare('UPDATE fleet_membership SET last_error = ?, last_error_at = ? WHERE id = 1').run(code, at);
  }

  /** The server refused the credential for good: the line stops taking ids until the station joins again. */
  revoked(at: string): void {
    this.db.prepare("UPDATE fleet_membership SET revoked_at = COALESCE(revoked_at, ?), last_error = 'FLEET_STATION_REVOKED', last_error_at = ? WHERE id = 1").run(at, at);
  }
}
