/** Signs one device id with the product's key (the signature only; the key never leaves main). */
import { CopyOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, InputNumber, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload, Output } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useProducts } from '../../state/useProducts';
import { useBusy } from '../../useBusy';
import { copyText } from '../../util/copy';
import { isDeviceId } from '../../util/validate';

export function SignTool() {
  const t = useT();
  const state = useLoadedState();
  const { message } = App.useApp();
  const { products } = useProducts();
  const [productId, setProductId] = useState<number | null>(state.product_id);
  const [deviceId, setDeviceId] = useState('');
  const [version, setVersion] = useState<number | null>(null);
  const [result, setResult] = useState<Output<'tools.sign'> | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const idOk = isDeviceId(deviceId);

  const sign = () =>
    run(async () => {
      if (productId === null) return;
      setError(null);
      setResult(null);
      const r = await invoke('tools.sign', { product_id: productId, device_id: deviceId, ...(version ? { key_version: version } : {}) });
      if (!r.ok) return setError(r.error);
      setResult(r.value);
    });

  const copy = async () => {
    if (result && (await copyText(result.signature))) message.success(t('common.copied'));
  };

  return (
    <Form layout="vertical" style={{ maxWidth: 720 }}>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form.Item label={t('sign.product')} required>
        <Select
          data-testid="sign-product"
          value={productId ?? undefined}
          onChange={setProductId}
          style={{ width: 320 }}
          options={products.map((p) => ({ value: p.product_id, label: `${p.product_id} ${p.chinese_name ?? p.english_name ?? ''}` }))}
        />
      </Form.Item>
      <Form.Item label={t('sign.deviceId')} required validateStatus={deviceId && !idOk ? 'error' : undefined} help={deviceId && !idOk ? t('sign.deviceIdFormat') : undefined}>
        <Input data-testid="sign-device-id" value={deviceId} onChange={(e) => setDeviceId(e.target.value.trim())} maxLength={128} style={{ fontFamily: 'monospace' }} />
      </Form.Item>
      <Form.Item label={t('sign.keyVersion')} extra={t('sign.keyVersionHelp')}>
        <InputNumber data-testid="sign-key-version" min={1} precision={0} value={version} onChange={(v) => setVersion(typeof v === 'number' ? v : null)} />
      </Form.Item>
      <Button data-testid="sign-submit" type="primary" loading={busy} disabled={productId === null || !idOk} onClick={() => void sign()}>
        {t('sign.submit')}
      </Button>
      {result && (
        <div style={{ marginTop: 16 }}>
          <Typography.Text type="secondary">{t('sign.result', { version: result.key_version, device: result.device_id })}</Typography.Text>
          <Space.Compact style={{ width: '100%', marginTop: 4 }}>
            <Input data-testid="sign-result" readOnly value={result.signature} style={{ fontFamily: 'monospace' }} />
            <Button data-testid="sign-copy" icon={<CopyOutlined />} onClick={() => void copy()}>
              {t('common.copy')}
            </Button>
          </Space.Compact>
        </div>
      )}
    </Form>
  );
}
