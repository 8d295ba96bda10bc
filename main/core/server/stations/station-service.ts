import { WxError, type Words } from '../../errors/wx-error.js';
import { STATION_CODE_ALLOWED, STATION_CODE_RE } from '../../ids/station-code.js';
import type { Logger } from '../../log/logger.js';
import { redactor } from '../../log/redact.js';
import { audit } from '../audit.js';
import type { ServerDb } from '../db/server-db.js';
import { secretHash } from '../http/auth.js';
import type { StationPrincipal } from '../http/router.js';
import { newCredential, newEnrolmentCode, normaliseEnrolmentCode } from './secrets.js';

export type StationState = 'enrolled' | 'joined' | 'revoked';

export interface StationView {
  station: string;
  state: StationState;
  enrolled_at: string;
  enrol_expires_at: string | null;
  joined_at: string | null;
  revoked_at: string | null;
  last_contact: string | null;
}

export interface Enrolment {
  station: string;
  /** The one-time code, in clear: in this answer only; the store keeps its hash. */
  code: string;
  expires_at: string;
}

export const DEFAULT_ENROL_TTL_MS = 24 * 3600_000;

const STATE_WORDS: Record<StationState, Words> = {
  enrolled: { zh: '已登记，尚未加入', en: 'enrolled, not joined yet' },
  joined: { zh: '已加入', en: 'joined' },
  revoked: { zh: '已注销', en: 'revoked' },
};

const VIEW = 'code AS station, state, enrolled_at, enrol_expires_at, joined_at, revoked_at, last_contact';

export function checkStationCode(code: string): string {
  if (!STATION_CODE_RE.test(code)) throw new WxError('INPUT_INVALID', { field: 'station', detail: code, allowed: STATION_CODE_ALLOWED });
  return code;
}

/**
 * The fleet's stations: the server owns their codes. Enrolling a code makes a one-time
 * enrolment code (hashed in the store, expiring); joining with it gives the station its
 * credential (once; hashed in the store); revoking ends both. A code is one station until it
 * is revoked: enrolling it again before that is refused (A1 and a1 count as one code).
 */
export class StationService {
  constructor(
    private readonly db: ServerDb,
    private readonly o: { now: () => Date; log: Logger },
  ) {}

  async enroll(code: string, ttlMs: number, actor: string): Promise<Enrolment> {
    checkStationCode(code);
    const enrolment = newEnrolmentCode();
    redactor.add(enrolment);
    const at = this.o.now();
    const expires = new Date(at.getTime() + ttlMs).toISOString();
    await this.db.transaction(async (tx) => {
      const found = (await tx.query<{ code: string; state: StationState }>('SELECT code, state FROM stations WHERE lower(code) = lower($1) FOR UPDATE', [code])).rows[0];
      if (found && (found.state !== 'revoked' || found.code !== code)) throw new WxError('FLEET_STATION_EXISTS', { station: found.code, state: STATE_WORDS[found.state] });
      const params = [code, secretHash(enrolment), expires, at.toISOString(), actor];
      if (found) {
        await tx.query(
          `UPDATE stations SET state = 'enrolled', enrol_code_hash = $2, enrol_expires_at = $3::timestamptz, credential_hash = NULL,
             enrolled_at = $4::timestamptz, enrolled_by = $5, joined_at = NULL, revoked_at = NULL, revoked_by = NULL
           WHERE code = $1`,
          params,
        );
      } else {
        const r = await tx.query(
          `INSERT INTO stations (code, state, enrol_code_hash, enrol_expires_at, enrolled_at, enrolled_by)
           VALUES ($1, 'enrolled', $2, $3::timestamptz, $4::timestamptz, $5) ON CONFLICT DO NOTHING`,
          params,
        );
        // Enrolled by someone else a moment ago (the insert waited for their commit).
        if (r.rowCount === 0) throw new WxError('FLEET_STATION_EXISTS', { station: code, state: STATE_WORDS.enrolled });
      }
      // Its uplink starts at the beginning of its outbox: a station set up afresh under a code
      // revoked before numbers its rows from 1 again (migration 0010).
      await tx.query(
        `INSERT INTO uplink_marks (station, seq, updated_at) VALUES ($1, 0, $2::timestamptz)
         ON CONFLICT (station) DO UPDATE SET seq = 0, updated_at = EXCLUDED.updated_at`,
        [code, at.toISOString()],
      );
      await audit(tx, { at: at.toISOString(), actor, action: 'station.enroll', station: code, detail: { expires_at: expires, again: Boolean(found) } });
    });
    this.o.log.info('station.enrolled', { station: code, expires_at: expires, by: actor });
    return { station: code, code: enrolment, expires_at: expires };
  }

  async revoke(code: string, actor: string): Promise<StationView & { already: boolean }> {
    checkStationCode(code);
    const at = this.o.now().toISOString();
    return this.db.transaction(async (tx) => {
      const found = (await tx.query<StationView>(`SELECT ${VIEW} FROM stations WHERE lower(code) = lower($1) FOR UPDATE`, [code])).rows[0];
      if (!found) throw new WxError('FLEET_STATION_NOT_FOUND', { station: code });
      if (found.state === 'revoked') return { ...found, already: true };
      // The credential's hash stays: a revoked station that calls is told it is revoked, not that it is unknown.
      const r = await tx.query<StationView>(
        `UPDATE stations SET state = 'revoked', revoked_at = $2::timestamptz, revoked_by = $3, enrol_code_hash = NULL, enrol_expires_at = NULL
         WHERE code = $1 RETURNING ${VIEW}`,
        [found.station, at, actor],
      );
      await audit(tx, { at, actor, action: 'station.revoke', station: found.station, detail: { was: found.state } });
      this.o.log.info('station.revoked', { station: found.station, was: found.state, by: actor });
      return { ...r.rows[0], already: false };
    });
  }

  async list(): Promise<StationView[]> {
    return (await this.db.query<StationView>(`SELECT ${VIEW} FROM stations ORDER BY code`)).rows;
  }

  /**
   * A station joins with its enrolment code (and, if it says, its station code): the code is
   * used up and the station gets its credential, in one transaction. Every refusal — a code
   * wrong, used, expired, or another station's — is the same FLEET_ENROL_REFUSED, so an answer
   * tells a guesser nothing; the log says which.
   */
  async join(stationCode: string | undefined, typedCode: string): Promise<{ station: string; credential: string }> {
    const refuse = (why: string): never => {
      this.o.log.warn('station.join_refused', { why, ...(stationCode ? { station: stationCode } : {}) });
      throw new WxError('FLEET_ENROL_REFUSED');
    };
    const code = normaliseEnrolmentCode(typedCode);
    if (!code) return refuse('malformed code');
    const credential = newCredential();
    redactor.add(credential);
    const now = this.o.now();
    const station = await this.db.transaction(async (tx) => {
      const found = (
        await tx.query<{ code: string; state: StationState; enrol_expires_at: string }>(
          'SELECT code, state, enrol_expires_at FROM stations WHERE enrol_code_hash = $1 FOR UPDATE',
          [secretHash(code)],
        )
      ).rows[0];
      if (!found) return refuse('no station waits for this code (wrong, used, or revoked)');
      if (stationCode !== undefined && stationCode.toLowerCase() !== found.code.toLowerCase()) return refuse(`the code is for station ${found.code}`);
      if (found.state !== 'enrolled') return refuse(`station ${found.code} is ${found.state}`);
      if (Date.parse(found.enrol_expires_at) <= now.getTime()) return refuse(`the code for station ${found.code} expired at ${found.enrol_expires_at}`);
      await tx.query(
        `UPDATE stations SET state = 'joined', credential_hash = $2, enrol_code_hash = NULL, enrol_expires_at = NULL,
           joined_at = $3::timestamptz, last_contact = $3::timestamptz
         WHERE code = $1`,
        [found.code, secretHash(credential), now.toISOString()],
      );
      await audit(tx, { at: now.toISOString(), actor: `station:${found.code}`, action: 'station.join', station: found.code });
      return found.code;
    });
    this.o.log.info('station.joined', { station });
    return { station, credential };
  }

  /** The station a credential belongs to, its last contact noted on the way (one statement). */
  async authenticate(credential: string): Promise<StationPrincipal> {
    const r = await this.db.query<{ code: string; state: StationState }>(
      `UPDATE stations SET last_contact = CASE WHEN state = 'joined' THEN $2::timestamptz ELSE last_contact END
       WHERE credential_hash = $1 RETURNING code, state`,
      [secretHash(credential), this.o.now().toISOString()],
    );
    const found = r.rows[0];
    if (!found) throw new WxError('FLEET_UNAUTHORIZED');
    if (found.state === 'revoked') throw new WxError('FLEET_STATION_REVOKED');
    return { code: found.code };
  }
}
