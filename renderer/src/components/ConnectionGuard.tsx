/**
 * When the page loses the station program, nothing on it may look live: a full-width red
 * banner says so, and everything below is disabled (a disabled fieldset for the controls,
 * `inert` for clicks and focus) and dimmed until the connection is back.
 */
import type { ReactNode } from 'react';
import { useConnection } from '../connection';
import { useT } from '../i18n';

export function ConnectionGuard({ children }: { children: ReactNode }) {
  const t = useT();
  const c = useConnection();
  const down = c !== 'connected';
  return (
    <>
      {down && (
        <div
          role="alert"
          data-testid="connection-lost"
          data-state={c}
          style={{ position: 'sticky', top: 0, zIndex: 2000, width: '100%', boxSizing: 'border-box', background: '#cf1322', color: '#fff', padding: '12px 24px', fontSize: 20, fontWeight: 700 }}
        >
          {t('conn.lost')}
          <div style={{ fontSize: 15, fontWeight: 400 }}>{c === 'expired' ? t('conn.restarted') : t('conn.reconnecting')}</div>
        </div>
      )}
      <fieldset
        data-testid="connection-controls"
        disabled={down}
        inert={down}
        style={{ border: 0, margin: 0, padding: 0, minWidth: 0, opacity: down ? 0.55 : 1 }}
      >
        {children}
      </fieldset>
    </>
  );
}
