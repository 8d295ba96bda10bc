/** Binds a mini program to the current product; the AppID is checked while it is typed. */
import { App, Button, Form, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useBusy } from '../../useBusy';
import { isMiniAppId } from '../../util/validate';
import { NeedProduct } from './NeedProduct';
import type { ProductItem } from '../../state/useProducts';

export function BindStep({ product, reloadProducts }: { product: ProductItem | null; reloadProducts: () => Promise<void> }) {
  const t = useT();
  const { message } = App.useApp();
  const [appid, setAppid] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  if (!product) return <NeedProduct />;

  const valid = isMiniAppId(appid);
  const status = appid === '' ? undefined : valid ? 'success' : 'error';
  const help = appid === '' ? t('bind.format') : valid ? t('bind.formatOk') : t('bind.formatBad', { n: appid.length });

  const submit = () =>
    run(async () => {
      setError(null);
      const r = await invoke('apps.bind', { product_id: product.product_id, appid });
      if (!r.ok) return setError(r.error);
      message.success(t('bind.done', { appid: r.value.appid }));
      setAppid('');
      await reloadProducts();
    });

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('bind.intro')}</Typography.Paragraph>
      <div>
        <Typography.Text>{t('bind.bound')}</Typography.Text>{' '}
        {product.appids.length ? product.appids.map((a) => <Tag key={a}>{a}</Tag>) : <Typography.Text type="secondary">{t('bind.noneYet')}</Typography.Text>}
      </div>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical">
        <Form.Item label={t('bind.appid')} validateStatus={status} help={<span data-testid="bind-appid-help">{help}</span>} hasFeedback={appid !== ''}>
          <Input data-testid="bind-appid" value={appid} onChange={(e) => setAppid(e.target.value.trim())} placeholder="wx0123456789abcdef" maxLength={64} onPressEnter={() => valid && void submit()} />
        </Form.Item>
        <Button data-testid="bind-submit" type="primary" disabled={!valid} loading={busy} onClick={() => void submit()}>
          {t('bind.submit')}
        </Button>
      </Form>
    </Space>
  );
}
