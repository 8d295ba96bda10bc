/** The station code (part of every id) and the current product's device-id template. */
import { App, Button, Card, Form, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';
import { isStationCode } from '../../util/validate';
import { NeedProduct } from './NeedProduct';
import type { ProductItem } from '../../state/useProducts';

export const DEFAULT_TEMPLATE = '{station}{date:YYMMDD}{seq:6}';
const TOKENS = ['{station}', '{date:YYMMDD}', '{seq:6}', '{hwid}', '{sn}'];

export function TemplateStep({ product, reloadProducts }: { product: ProductItem | null; reloadProducts: () => Promise<void> }) {
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <StationCode />
      {product ? <Template key={product.product_id} product={product} reloadProducts={reloadProducts} /> : <NeedProduct />}
    </Space>
  );
}

function StationCode() {
  const t = useT();
  const state = useLoadedState();
  const { message } = App.useApp();
  const [code, setCode] = useState(state.station_code ?? '');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const valid = isStationCode(code);

  const save = () =>
    run(async () => {
      setError(null);
      const r = await invoke('station.setCode', { station_code: code });
      if (!r.ok) return setError(r.error);
      state.update(r.value);
      message.success(t('station.saved', { code }));
    });

  return (
    <Card size="small" title={t('station.title')}>
      <Typography.Paragraph type="secondary">{t('station.help')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="inline">
        <Form.Item validateStatus={code && !valid ? 'error' : undefined} help={code && !valid ? t('station.format') : undefined}>
          <Input data-testid="station-code" value={code} onChange={(e) => setCode(e.target.value.trim())} maxLength={8} placeholder="A1" style={{ width: 160 }} />
        </Form.Item>
        <Button data-testid="station-code-save" type="primary" disabled={!valid || code === state.station_code} loading={busy} onClick={() => void save()}>
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
}

function Template({ product, reloadProducts }: { product: ProductItem; reloadProducts: () => Promise<void> }) {
  const t = useT();
  const [template, setTemplate] = useState(product.id_template ?? DEFAULT_TEMPLATE);
  const [example, setExample] = useState<string | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();

  const save = () =>
    run(async () => {
      setError(null);
      setExample(null);
      const r = await invoke('products.setTemplate', { product_id: product.product_id, id_template: template });
      if (!r.ok) return setError(r.error);
      setExample(r.value.example);
      await reloadProducts();
    });

  return (
    <Card size="small" title={t('template.title')}>
      <Typography.Paragraph type="secondary">{t('template.help')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 8 }}>
        {TOKENS.map((tok) => (
          <Tag key={tok} style={{ cursor: 'pointer', fontFamily: 'monospace' }} onClick={() => setTemplate(template + tok)}>
            {tok}
          </Tag>
        ))}
      </Space>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t('template.tokens')}
      </Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Space.Compact style={{ width: '100%' }}>
        <Input data-testid="template-input" value={template} onChange={(e) => setTemplate(e.target.value)} maxLength={128} style={{ fontFamily: 'monospace' }} />
        <Button data-testid="template-save" type="primary" loading={busy} disabled={!template.trim()} onClick={() => void save()}>
          {t('common.save')}
        </Button>
      </Space.Compact>
      {example !== null && (
        <Typography.Paragraph style={{ marginTop: 12 }}>
          {t('template.example')}{' '}
          <Typography.Text code copyable data-testid="template-example">
            {example}
          </Typography.Text>
        </Typography.Paragraph>
      )}
    </Card>
  );
}
