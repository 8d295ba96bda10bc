/**
 * One fixture slot: what the unit on it is doing, then a large PASS / FAIL / EXISTING on the
 * whole tile in solid colour, with the reason and what to do next — for as long as that unit is
 * on the fixture. Once it is taken off the tile waits for the next unit and the last result
 * shrinks to one line, so a big green PASS never stands beside a unit it is not about. A lost
 * port shows in orange. The tile is a CSS size container: its words are sized from the tile
 * and fit at any tile size; the code and the engineer's detail wait behind 详情.
 */
import { Button, Progress, Tag } from 'antd';
import { useEffect, useState } from 'react';
import type { SlotView } from '../../../../preload/contract';
import { errorText } from '../../errors';
import { useLocale, useT } from '../../i18n';
import { SimPlaceButton } from './SimPlaceButton';
import { TileDetails, type TileFacts } from './TileDetails';
import { tileFace } from './tile-face';
import { TileResult } from './TileResult';
import { NAME_SIZE, SMALL_SIZE, TEXT_SIZE, clampLines, oneLine } from './tile-style';
import { LOST_STYLE, RESULT_STYLE, STATE_WORDS, STEP_WORDS, resultWords } from './words';

export function SlotTile({ view, running, simulation }: { view: SlotView; running: boolean; simulation: boolean }) {
  const t = useT();
  const { locale } = useLocale();
  const name = view.slot.name;
  const last = view.last;
  const { lost, busy, deviceId, hwid, result } = tileFace(view);
  const words = result ? resultWords(result, locale, t) : null;
  const portError = lost && view.port_error ? errorText(view.port_error, locale) : null;

  const facts: TileFacts | null = words
    ? { error: words.error, what: words.reason, next: words.next, port: view.slot.spec, deviceId, hwid }
    : lost
      ? { error: view.port_error, what: portError?.message ?? null, next: portError?.hint ?? null, port: view.slot.spec, deviceId, hwid }
      : null;
  const [open, setOpen] = useState(false);
  // Details are about what the tile shows: a new unit or a new state closes them.
  const subject = `${view.state}|${result ? `${result.result}|${result.device_id}|${result.hwid}|${result.ms}` : ''}`;
  useEffect(() => setOpen(false), [subject]);

  const fill = result ? RESULT_STYLE[result.result].fill : null;
  const border = fill ?? (lost ? LOST_STYLE.border : busy ? '#1677ff' : '#d9d9d9');

  return (
    <div
      data-testid={`tile-${name}`}
      data-state={view.state}
      data-result={result ? result.result : ''}
      data-present={view.present ? 'yes' : 'no'}
      style={{
        containerType: 'size',
        height: '100%',
        minWidth: 0,
        boxSizing: 'border-box',
        border: `3px solid ${border}`,
        borderRadius: 8,
        background: fill ?? (lost ? LOST_STYLE.background : '#fff'),
        color: fill ? '#fff' : '#262626',
        padding: '4px 10px 6px',
        display: 'flex',
        flexDirection: 'column',
        gap: 4,
        overflow: 'hidden',
      }}
    >
      <div style={{ display: 'flex', alignItems: 'center', gap: 8, minWidth: 0, flex: 'none' }}>
        <span style={{ fontSize: NAME_SIZE, fontWeight: 700, lineHeight: 1.15, flex: 'none' }}>{name}</span>
        <span title={view.slot.spec} style={{ fontSize: SMALL_SIZE, opacity: 0.75, flex: 1, ...oneLine }}>
          {view.slot.spec}
        </span>
        <Tag data-testid={`tile-state-${name}`} style={{ marginInlineEnd: 0, flex: 'none' }} color={lost ? 'orange' : busy ? 'processing' : view.state === 'waiting' ? 'default' : undefined}>
          {running || lost ? t(STATE_WORDS[view.state]) : t('slot.stopped')}
        </Tag>
      </div>

      <div style={{ flex: '1 1 0', minHeight: 0, display: 'flex', flexDirection: 'column', overflow: 'hidden', position: 'relative' }}>
        {lost ? (
          <div data-testid={`tile-lost-${name}`} style={{ color: LOST_STYLE.color, display: 'flex', flexDirection: 'column', gap: 4, minHeight: 0 }}>
            <div style={{ fontSize: NAME_SIZE, fontWeight: 700, flex: 'none' }}>{t('tile.portLost')}</div>
            {portError && (
              <>
                <div data-testid={`tile-port-error-${name}`} style={{ fontSize: TEXT_SIZE, lineHeight: 1.3, flex: '0 1 auto', ...clampLines(2) }}>
                  {portError.message}
                </div>
                <div data-testid={`tile-hint-${name}`} style={{ fontSize: TEXT_SIZE, lineHeight: 1.3, fontWeight: 600, flex: 'none', ...clampLines(2) }}>
                  ➜ {portError.hint}
                </div>
              </>
            )}
          </div>
        ) : busy ? (
          <div data-testid={`tile-busy-${name}`}>
            <div data-testid={`tile-step-${name}`} style={{ fontSize: TEXT_SIZE, ...oneLine }}>
              {view.step ? t('tile.stepNow', { step: t(STEP_WORDS[view.step]) }) : t('slot.busy')}
            </div>
            <Progress percent={Math.round(view.progress * 100)} status="active" size={{ height: 12 }} />
          </div>
        ) : result && words ? (
          <TileResult name={name} last={result} words={words} />
        ) : (
          <>
            <div style={{ fontSize: TEXT_SIZE, color: '#8c8c8c', ...clampLines(2) }}>{running ? t('tile.placeUnit') : t('tile.lineStopped')}</div>
            {last && (
              <div data-testid={`tile-previous-${name}`} style={{ fontSize: SMALL_SIZE, marginTop: 6, color: RESULT_STYLE[last.result].color, ...oneLine }}>
                {t('tile.previous', { result: last.result, device_id: last.device_id ?? '—' })}
              </div>
            )}
          </>
        )}
        {open && facts && <TileDetails name={name} facts={facts} />}
      </div>

      <div data-testid={`tile-device-${name}`} title={`${deviceId ?? '—'} · ${hwid ?? '—'}`} style={{ fontSize: SMALL_SIZE, opacity: 0.85, flex: 'none', ...oneLine }}>
        {t('tile.deviceId')}: <span style={{ fontFamily: 'monospace' }}>{deviceId ?? '—'}</span> · {t('tile.hwid')}: <span style={{ fontFamily: 'monospace' }}>{hwid ?? '—'}</span>
      </div>
      <div style={{ display: 'flex', alignItems: 'center', gap: 6, minWidth: 0, flex: 'none' }}>
        <span data-testid={`tile-counters-${name}`} style={{ fontSize: SMALL_SIZE, opacity: 0.85, flex: 1, ...oneLine }}>
          {t('tile.counters', { pass: view.counters.pass, fail: view.counters.fail, existing: view.counters.existing })}
        </span>
        {facts && (
          <Button size="small" data-testid={`tile-details-${name}`} aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? t('details.hide') : t('details.show')}
          </Button>
        )}
        {simulation && <SimPlaceButton slot={name} disabled={busy} />}
      </div>
    </div>
  );
}
