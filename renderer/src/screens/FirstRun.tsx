/** First start: simulation (the default: no account, no hardware) or a real account. */
import { CloudServerOutlined, ExperimentOutlined } from '@ant-design/icons';
import { Badge, Button, Card, Col, Row, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload, Mode } from '../../../preload/contract';
import { invoke } from '../call';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { useAppState } from '../state/app-state';
import { useBusy } from '../useBusy';

export function FirstRun({ onChosen }: { onChosen: () => void }) {
  const t = useT();
  const { update } = useAppState();
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const [picking, setPicking] = useState<Mode | null>(null);

  const choose = (mode: Mode) =>
    run(async () => {
      setPicking(mode);
      setError(null);
      const r = await invoke('app.chooseMode', { mode });
      setPicking(null);
      if (!r.ok) return setError(r.error);
      update(r.value);
      onChosen();
    });

  return (
    <div style={{ maxWidth: 960, margin: '24px auto' }}>
      <Typography.Title level={2} style={{ textAlign: 'center' }}>
        {t('firstRun.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ textAlign: 'center', fontSize: 16 }}>
        {t('firstRun.subtitle')}
      </Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Row gutter={24} style={{ marginTop: 24 }}>
        <Col xs={24} md={12}>
          <Badge.Ribbon text={t('firstRun.recommended')} color="orange">
            <Card
              hoverable
              style={{ height: '100%', borderColor: '#fa8c16', borderWidth: 2, background: '#fff7e6' }}
              onClick={() => void choose('simulation')}
            >
              <ExperimentOutlined style={{ fontSize: 48, color: '#fa8c16' }} />
              <Typography.Title level={3}>{t('firstRun.sim.title')}</Typography.Title>
              <Typography.Paragraph strong style={{ fontSize: 16 }}>
                {t('firstRun.sim.tagline')}
              </Typography.Paragraph>
              <Typography.Paragraph type="secondary">{t('firstRun.sim.body')}</Typography.Paragraph>
              <Button
                data-testid="mode-simulation"
                type="primary"
                size="large"
                block
                autoFocus
                loading={busy && picking === 'simulation'}
                disabled={busy}
                onClick={(e) => {
                  e.stopPropagation();
                  void choose('simulation');
                }}
              >
                {t('firstRun.sim.button')}
              </Button>
            </Card>
          </Badge.Ribbon>
        </Col>
        <Col xs={24} md={12}>
          <Card hoverable style={{ height: '100%' }} onClick={() => void choose('real')}>
            <CloudServerOutlined style={{ fontSize: 48, color: '#1677ff' }} />
            <Typography.Title level={3}>{t('firstRun.real.title')}</Typography.Title>
            <Typography.Paragraph strong style={{ fontSize: 16 }}>
              {t('firstRun.real.tagline')}
            </Typography.Paragraph>
            <Typography.Paragraph type="secondary">{t('firstRun.real.body')}</Typography.Paragraph>
            <Button
              data-testid="mode-real"
              size="large"
              block
              loading={busy && picking === 'real'}
              disabled={busy}
              onClick={(e) => {
                e.stopPropagation();
                void choose('real');
              }}
            >
              {t('firstRun.real.button')}
            </Button>
          </Card>
        </Col>
      </Row>
    </div>
  );
}
