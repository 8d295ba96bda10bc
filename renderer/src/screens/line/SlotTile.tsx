/**
 * One fixture slot: what the unit on it is doing, then a large PASS / FAIL / EXISTING with
 * the reason and what to do next — for as long as that unit is on the fixture. Once it is
 * taken off the tile waits for the next unit and the last result shrinks to one line, so a
 * big green PASS never stands beside a unit it is not about. A lost port shows in orange.
 */
import { Card, Progress, Space, Tag, Typography } from 'antd';
import type { SlotView } from '../../../../preload/contract';
import { errorText } from '../../errors';
import { useLocale, useT } from '../../i18n';
import { SimPlaceButton } from './SimPlaceButton';
import { LOST_STYLE, RESULT_STYLE, STATE_WORDS, STEP_WORDS, reasonOf, splitReason, stepInWords } from './words';

export function SlotTile({ view, running, simulation }: { view: SlotView; running: boolean; simulation: boolean }) {
  const t = useT();
  const name = view.slot.name;
  const last = view.last;
  const lost = view.state === 'lost';
  const busy = view.state === 'busy';
  /** The result is about the unit on the fixture now. */
  const showing = !busy && !lost && last !== null && view.present;
  const style = lost ? LOST_STYLE : showing ? RESULT_STYLE[last.result] : null;
  const deviceId = busy || !showing ? view.device_id : (last?.device_id ?? view.device_id);
  const hwid = busy || !showing ? view.hwid : (last?.hwid ?? view.hwid);

  return (
    <Card
      data-testid={`tile-${name}`}
      data-state={view.state}
      data-result={showing ? last.result : ''}
      data-present={view.present ? 'yes' : 'no'}
      style={{ height: '100%', borderWidth: 3, borderColor: style?.color ?? '#d9d9d9', background: style?.background ?? '#fff' }}
      styles={{ body: { display: 'flex', flexDirection: 'column', gap: 8, minHeight: 300 } }}
      title={
        <Space align="baseline">
          <span style={{ fontSize: 28, fontWeight: 700 }}>{name}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {view.slot.spec}
          </Typography.Text>
        </Space>
      }
      extra={
        <Tag data-testid={`tile-state-${name}`} color={lost ? 'orange' : busy ? 'processing' : view.state === 'waiting' ? 'default' : undefined}>
          {running || lost ? t(STATE_WORDS[view.state]) : t('slot.stopped')}
        </Tag>
      }
    >
      <div style={{ flex: 1 }}>
        {lost ? (
          <PortLost view={view} />
        ) : busy ? (
          <div data-testid={`tile-busy-${name}`}>
            <Typography.Text data-testid={`tile-step-${name}`} style={{ fontSize: 22 }}>
              {view.step ? t('tile.stepNow', { step: t(STEP_WORDS[view.step]) }) : t('slot.busy')}
            </Typography.Text>
            <Progress percent={Math.round(view.progress * 100)} status="active" strokeWidth={16} />
          </div>
        ) : showing ? (
          <LastResult view={view} />
        ) : (
          <>
            <Typography.Text type="secondary" style={{ fontSize: 20 }}>
              {running ? t('tile.placeUnit') : t('tile.lineStopped')}
            </Typography.Text>
            {last && <PreviousResult view={view} />}
          </>
        )}
      </div>

      <div data-testid={`tile-device-${name}`} style={{ fontSize: 12, color: '#595959', wordBreak: 'break-all' }}>
        {t('tile.deviceId')}: <span style={{ fontFamily: 'monospace' }}>{deviceId ?? '—'}</span>
        <br />
        {t('tile.hwid')}: <span style={{ fontFamily: 'monospace' }}>{hwid ?? '—'}</span>
      </div>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`tile-counters-${name}`}>
          {t('tile.counters', { pass: view.counters.pass, fail: view.counters.fail, existing: view.counters.existing })}
        </Typography.Text>
        {simulation && <SimPlaceButton slot={name} disabled={busy} />}
      </Space>
    </Card>
  );
}

function PortLost({ view }: { view: SlotView }) {
  const t = useT();
  const { locale } = useLocale();
  const name = view.slot.name;
  const err = view.port_error ? errorText(view.port_error, locale) : null;
  return (
    <div data-testid={`tile-lost-${name}`} style={{ color: LOST_STYLE.color }}>
      <div style={{ fontSize: 28, fontWeight: 700 }}>{t('tile.portLost')}</div>
      {err && (
        <>
          <div data-testid={`tile-port-error-${name}`} style={{ fontSize: 16, marginTop: 8 }}>
            {err.message}
          </div>
          <div style={{ fontSize: 14, marginTop: 4 }}>{err.hint}</div>
        </>
      )}
    </div>
  );
}

/** The result of the unit taken off, in one line: enough to answer "what was the last one?". */
function PreviousResult({ view }: { view: SlotView }) {
  const t = useT();
  const last = view.last!;
  return (
    <div
      data-testid={`tile-previous-${view.slot.name}`}
      style={{ fontSize: 14, marginTop: 12, color: RESULT_STYLE[last.result].color, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
    >
      {t('tile.previous', { result: last.result, device_id: last.device_id ?? '—' })}
    </div>
  );
}

function LastResult({ view }: { view: SlotView }) {
  const t = useT();
  const { locale } = useLocale();
  const last = view.last!;
  const name = view.slot.name;
  const style = RESULT_STYLE[last.result];
  const said = stepInWords(reasonOf(last, locale), last.step, locale, t(STEP_WORDS[last.step]));
  let reason: string;
  let next: string;
  if (last.result === 'PASS') {
    reason = said ?? t('tile.passReason');
    next = t('tile.next.pass');
  } else if (last.result === 'FAIL') {
    const parts = splitReason(said ?? '', locale);
    reason = parts.reason || t('tile.failReason');
    next = parts.hint ?? t('tile.next.fail');
  } else {
    reason = said ?? t('tile.existingReason');
    next = t('tile.next.existing');
  }
  return (
    <div>
      <div data-testid={`tile-result-${name}`} style={{ fontSize: 72, lineHeight: 1.05, fontWeight: 800, color: style.color, letterSpacing: 2 }}>
        {last.result}
      </div>
      <div style={{ fontSize: 18, color: style.color, fontWeight: 600 }}>{t(style.label)}</div>
      {last.result === 'FAIL' && (
        <div data-testid={`tile-fail-step-${name}`} style={{ fontSize: 14, color: '#595959' }}>
          {t('tile.failedAt', { step: t(STEP_WORDS[last.step]) })}
        </div>
      )}
      <div data-testid={`tile-reason-${name}`} style={{ fontSize: 18, marginTop: 8 }}>
        {reason}
      </div>
      <div data-testid={`tile-next-${name}`} style={{ fontSize: 18, marginTop: 8, fontWeight: 600 }}>
        ➜ {next}
      </div>
    </div>
  );
}
