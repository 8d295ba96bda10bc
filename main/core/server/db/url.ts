import { WxError } from '../../errors/wx-error.js';
import { redactor } from '../../log/redact.js';

/** `postgres://` or `postgresql://`, with the password (if any) registered with the redactor before anything can log it. */
export function checkDatabaseUrl(url: string, field: string): string {
  // A flag is the command line's fault (exit 2); a variable is the environment's.
  const bad = (detail: string): never => {
    const allowed = 'postgres://user:password@host:5432/database';
    throw field.startsWith('WXPROV_') ? new WxError('CONFIG_INVALID', { name: field, detail, allowed }) : new WxError('INPUT_INVALID', { field, detail, allowed });
  };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad('not a URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') bad(`${u.protocol} is not postgres:`);
  if (u.password) {
    redactor.add(u.password);
    try {
      redactor.add(decodeURIComponent(u.password));
    } catch {
      // Not percent-encoded as it should be: the raw form is masked above.
    }
  }
  return url;
}
