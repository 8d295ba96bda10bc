import type { RegistrationState } from '../../../../preload/dashboard-types.js';
import type { Queryable } from '../db/server-db.js';

/** The settings row the registration worker keeps its pause and last outcome in (one for the whole fleet: the quota is the AppID's). */
export const REGISTRATION_SETTING = 'registration';

export type { RegistrationState };

const EMPTY: RegistrationState = { paused_until: null, last_error: null, last_errcode: null, last_error_at: null, last_success_at: null };

export async function readRegistrationState(q: Queryable): Promise<RegistrationState> {
  const r = await q.query<{ value: Partial<RegistrationState> }>('SELECT value FROM settings WHERE key = $1', [REGISTRATION_SETTING]);
  return { ...EMPTY, ...(r.rows[0]?.value ?? {}) };
}

/** Merges `change` into the row (one statement: two workers finishing at once do not lose a field). */
export async function writeRegistrationState(q: Queryable, change: Partial<RegistrationState>, at: string, by: string): Promise<void> {
  await q.query(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3::timestamptz, $4)
     ON CONFLICT (key) DO UPDATE SET value = settings.value || EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [REGISTRATION_SETTING, JSON.stringify(change), at, by],
  );
}
