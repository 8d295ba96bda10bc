/**
 * Joining a factory server (`wxprov server`). Step 1: the address → the fingerprint of the
 * certificate it presents, large and grouped, for the engineer to compare with the one the
 * administrator's server showed. Step 2: the fingerprint the administrator gave and the
 * one-time enrolment code → join; the core checks the fingerprint against the certificate
 * again before the code is sent. Joined, the card shows the membership instead (and the form
 * again below it once the server revoked the station, to join anew).
 */
import { CheckCircleOutlined, CloudServerOutlined, ReloadOutlined, StopOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Form, Input, Space, Steps, Tag, Typography, type InputRef } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorPayload, FleetMembership, Output } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useLocale, useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import type { ProductItem } from '../../state/useProducts';
import { useBusy } from '../../useBusy';
import { compactFingerprint, fingerprintRows, isServerAddress, looksLikeFingerprint, serverAddress } from '../../util/fingerprint';
import { formatTime } from '../../util/time';

/** The card's membership is re-read this often while it is shown (last contact, backlog, ids left). */
const REFRESH_MS = 5_000;
const MONO = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };

export function FleetJoinStep({ products, reloadProducts }: { products: ProductItem[]; reloadProducts: () => Promise<void> }) {
  const t = useT();
  const state = useLoadedState();
  const [membership, setMembership] = useState<FleetMembership | null>(null);

  const load = useCallback(async () => {
    const r = await invoke('fleet.status');
    // A failed background read (locked meanwhile, connection lost) keeps what is shown: the shell says why.
    if (r.ok) setMembership(r.value);
  }, []);
  const sim = state.mode === 'simulation';
  useEffect(() => {
    if (sim) return;
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load, sim]);

  if (sim) return <Alert type="info" showIcon data-testid="fleet-join-sim" title={t('fleetJoin.simNotAvailable')} />;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t('fleetJoin.intro')}
      </Typography.Paragraph>
      {membership?.joined && <Joined m={membership} products={products} reload={load} />}
      {membership && (!membership.joined || membership.revoked) && <JoinForm
          onJoined={(m) => {
            setMembership(m);
            // The server's products came down with the join: their names for the card and the other tabs.
            void reloadProducts();
          }}
        />}
    </Space>
  );
}

function Joined({ m, products, reload }: { m: FleetMembership; products: ProductItem[]; reload: () => Promise<void> }) {
  const t = useT();
  const { locale } = useLocale();
  const name = (id: string) => {
    const p = products.find((x) => String(x.product_id) === id);
    const names = locale === 'en' ? [p?.english_name, p?.chinese_name] : [p?.chinese_name, p?.english_name];
    const shown = names.find((x) => x);
    return shown ? `${shown} (${id})` : id;
  };
  const ids = Object.entries(m.blocks);
  return (
    <Card
      size="small"
      data-testid="fleet-joined"
      data-revoked={m.revoked}
      title={
        <Space>
          <CloudServerOutlined />
          {m.revoked ? <Tag color="red" icon={<StopOutlined />}>{t('fleetJoin.revokedTag')}</Tag> : <Tag color="green" icon={<CheckCircleOutlined />}>{t('fleetJoin.joined')}</Tag>}
        </Space>
      }
      extra={
        <Button size="small" icon={<ReloadOutlined />} data-testid="fleet-refresh" onClick={() => void reload()}>
          {t('fleetJoin.refresh')}
        </Button>
      }
    >
      {m.revoked && <Alert type="error" showIcon data-testid="fleet-revoked" title={t('fleetJoin.revoked')} description={t('fleetJoin.revokedHint')} style={{ marginBottom: 12 }} />}
      {!m.revoked && (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
          {t('fleetJoin.serverOwns')}
        </Typography.Paragraph>
      )}
      <Descriptions bordered size="small" column={1} styles={{ label: { width: 200 } }}>
        <Descriptions.Item label={t('fleetJoin.stationCode')}>
          <span data-testid="fleet-station-code" style={{ ...MONO, fontSize: 22, fontWeight: 600 }}>
            {m.station_code ?? '—'}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleetJoin.server')}>
          <span data-testid="fleet-server" style={MONO}>
            {m.server}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleetJoin.fingerprintPinned')}>
          <span style={{ ...MONO, fontSize: 12, wordBreak: 'break-all' }}>{m.fingerprint}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleetJoin.joinedAt')}>{formatTime(m.joined_at)}</Descriptions.Item>
        <Descriptions.Item label={t('fleetJoin.lastContact')}>
          <span data-testid="fleet-last-contact">{m.last_contact ? formatTime(m.last_contact) : t('fleetJoin.never')}</span>
          {m.last_error && (
            <Tag color="orange" style={{ marginInlineStart: 8 }} data-testid="fleet-last-error">
              {t('fleetJoin.lastError')}: {m.last_error}
            </Tag>
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('fleetJoin.backlog')}>
          <span data-testid="fleet-backlog">{m.uplink_pending}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleetJoin.unused')}>
          <div data-testid="fleet-unused">
            {ids.length === 0
              ? '—'
              : ids.map(([id, n]) => (
                  <Space key={id} data-testid={`fleet-unused-${id}`} data-count={n} style={{ display: 'flex' }}>
                    <span>{name(id)}</span>
                    <Tag color={n === 0 ? 'red' : 'blue'}>{n}</Tag>
                  </Space>
                ))}
          </div>
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function JoinForm({ onJoined }: { onJoined: (m: FleetMembership) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [address, setAddress] = useState('');
  const [probe, setProbe] = useState<Output<'fleet.probe'> | null>(null);
  const [fingerprint, setFingerprint] = useState('');
  const [code, setCode] = useState('');
  const [probeError, setProbeError] = useState<ErrorPayload | null>(null);
  const [joinError, setJoinError] = useState<ErrorPayload | null>(null);
  const [probing, runProbe] = useBusy();
  const [joining, runJoin] = useBusy();
  const codeRef = useRef<InputRef>(null);

  const addressOk = isServerAddress(address);
  const fpOk = looksLikeFingerprint(fingerprint);
  const ready = probe !== null && fpOk && code.trim() !== '';

  const check = () =>
    runProbe(async () => {
      setProbeError(null);
      setJoinError(null);
      setProbe(null);
      const r = await invoke('fleet.probe', { server: serverAddress(address) });
      if (!r.ok) return setProbeError(r.error);
      setProbe(r.value);
    });

  const join = () =>
    runJoin(async () => {
      if (!probe) return;
      setJoinError(null);
      const r = await invoke('fleet.join', { server: probe.server, fingerprint: compactFingerprint(fingerprint), code: code.trim() });
      if (!r.ok) {
        setJoinError(r.error);
        // A scanner's next code goes into an empty field.
        if (r.error.code === 'FLEET_ENROL_REFUSED') setCode('');
        return;
      }
      setCode('');
      message.success(t('fleetJoin.joinedOk', { code: r.value.station_code ?? '' }));
      onJoined(r.value);
    });

  return (
    <Card size="small" data-testid="fleet-join-form" title={t('fleetJoin.formTitle')}>
      <Steps
        size="small"
        current={probe ? 1 : 0}
        style={{ marginBottom: 16, maxWidth: 520 }}
        items={[{ title: t('fleetJoin.step1') }, { title: t('fleetJoin.step2') }]}
      />
      <Form layout="vertical" onFinish={() => addressOk && void check()}>
        <Form.Item
          label={t('fleetJoin.server')}
          extra={t('fleetJoin.serverHelp')}
          validateStatus={address && !addressOk ? 'error' : undefined}
          help={address && !addressOk ? t('fleetJoin.serverFormat') : undefined}
        >
          <Space.Compact style={{ width: '100%', maxWidth: 560 }}>
            <Input
              data-testid="fleet-server-input"
              value={address}
              onChange={(e) => {
                setAddress(e.target.value);
                // Another address: what the last one presented no longer counts.
                setProbe(null);
                setProbeError(null);
              }}
              placeholder="https://192.168.1.10:8443"
              autoComplete="off"
              spellCheck={false}
              style={MONO}
            />
            <Button data-testid="fleet-check" type="primary" htmlType="submit" loading={probing} disabled={!addressOk}>
              {t('fleetJoin.check')}
            </Button>
          </Space.Compact>
        </Form.Item>
      </Form>
      <ErrorAlert error={probeError} onClose={() => setProbeError(null)} />

      {probe && (
        <>
          <div data-testid="fleet-presented" data-fingerprint={probe.fingerprint} style={{ background: '#f6ffed', border: '1px solid #b7eb8f', borderRadius: 8, padding: '12px 16px', marginBottom: 16 }}>
            <Typography.Text strong>{t('fleetJoin.presented', { server: probe.server })}</Typography.Text>
            <div style={{ ...MONO, fontSize: 24, lineHeight: 1.5, letterSpacing: 1, margin: '8px 0' }}>
              {fingerprintRows(probe.fingerprint_colons).map((row, i) => (
                <div key={i} data-testid={`fleet-presented-row-${i}`}>
                  {row}
                </div>
              ))}
            </div>
            <Typography.Text type="warning" data-testid="fleet-compare">
              {t('fleetJoin.compare')}
            </Typography.Text>
          </div>
          <Form layout="vertical" onFinish={() => ready && void join()} style={{ maxWidth: 560 }}>
            <Form.Item
              label={t('fleetJoin.fingerprint')}
              extra={t('fleetJoin.fingerprintHelp')}
              validateStatus={fingerprint && !fpOk ? 'error' : undefined}
              help={fingerprint && !fpOk ? t('fleetJoin.fingerprintFormat') : undefined}
            >
              <Input.TextArea
                data-testid="fleet-fingerprint-input"
                value={fingerprint}
                onChange={(e) => setFingerprint(e.target.value)}
                onPressEnter={(e) => {
                  // Enter moves on to the code (a pasted fingerprint is done), never a new line.
                  e.preventDefault();
                  codeRef.current?.focus();
                }}
                autoSize={{ minRows: 2, maxRows: 3 }}
                autoComplete="off"
                spellCheck={false}
                style={MONO}
              />
            </Form.Item>
            <Form.Item label={t('fleetJoin.code')} extra={t('fleetJoin.codeHelp')}>
              <Input
                data-testid="fleet-code-input"
                ref={codeRef}
                value={code}
                // A scanner types the code and Enter: the form's submit joins.
                onChange={(e) => setCode(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                style={{ ...MONO, maxWidth: 360 }}
              />
            </Form.Item>
            <ErrorAlert error={joinError} onClose={() => setJoinError(null)} />
            <Button data-testid="fleet-join" type="primary" htmlType="submit" loading={joining} disabled={!ready}>
              {t('fleetJoin.join')}
            </Button>
          </Form>
        </>
      )}
    </Card>
  );
}
