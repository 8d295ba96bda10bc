/**
 * 详情 / Details over the tile's middle: what the tile shortens or leaves out for the operator —
 * the error code and the engineer's detail (a command to run, a setting), the whole reason and
 * hint, the port, the ids. It covers the tile rather than growing it, so nothing moves.
 */
import type { ErrorPayload } from '../../../../preload/contract';
import { ErrorCodeLines } from '../../errors';
import { useT } from '../../i18n';

export interface TileFacts {
  error: ErrorPayload | null;
  what: string | null;
  next: string | null;
  port: string;
  deviceId: string | null;
  hwid: string | null;
}

const mono = { fontFamily: 'monospace', overflowWrap: 'anywhere' } as const;

export function TileDetails({ name, facts }: { name: string; facts: TileFacts }) {
  const t = useT();
  return (
    <div
      data-testid={`tile-detail-${name}`}
      style={{ position: 'absolute', inset: 0, overflow: 'auto', background: '#fff', color: '#262626', borderRadius: 4, padding: '4px 8px', fontSize: 13, lineHeight: 1.45 }}
    >
      {facts.error && <ErrorCodeLines error={facts.error} />}
      {facts.what && (
        <div>
          {t('details.what')}: {facts.what}
        </div>
      )}
      {facts.next && (
        <div>
          {t('details.next')}: {facts.next}
        </div>
      )}
      <div>
        {t('details.port')}: <span style={mono}>{facts.port}</span>
      </div>
      <div>
        {t('tile.deviceId')}: <span style={mono}>{facts.deviceId ?? '—'}</span>
      </div>
      <div>
        {t('tile.hwid')}: <span style={mono}>{facts.hwid ?? '—'}</span>
      </div>
    </div>
  );
}
