/** The product's signing keys: generate and register one, or import one registered elsewhere. */
import { UploadOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, InputNumber, Space, Table, Tag, Typography, Upload } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { ErrorPayload, KeyInfo } from '../../../../preload/contract';
import { call, invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useBusy } from '../../useBusy';
import { formatTime } from '../../util/time';
import { NeedProduct } from './NeedProduct';
import type { ProductItem } from '../../state/useProducts';

export function KeysStep({ product, reloadProducts }: { product: ProductItem | null; reloadProducts: () => Promise<void> }) {
  const t = useT();
  const { message } = App.useApp();
  const [keys, setKeys] = useState<KeyInfo[]>([]);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const productId = product?.product_id ?? null;

  const load = useCallback(async () => {
    if (productId === null) return;
    const list = await call('keys.list', { product_id: productId });
    if (list) setKeys(list);
  }, [productId]);
  useEffect(() => {
    void load();
  }, [load]);

  if (productId === null) return <NeedProduct />;

  const create = () =>
    run(async () => {
      setError(null);
      const r = await invoke('keys.create', { product_id: productId });
      if (!r.ok) return setError(r.error);
      message.success(t('keys.created', { version: r.value.key_version }));
      await Promise.all([load(), reloadProducts()]);
    });

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Paragraph type="secondary">{t('keys.intro')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Table<KeyInfo>
        rowKey={(k) => `${k.key_version ?? 'pending'}-${k.created_at}`}
        size="small"
        pagination={false}
        dataSource={keys}
        locale={{ emptyText: t('keys.none') }}
        columns={[
          { title: t('keys.version'), dataIndex: 'key_version', render: (v: number | null) => v ?? '—' },
          {
            title: t('keys.state'),
            dataIndex: 'state',
            render: (s: KeyInfo['state']) => (s === 'active' ? <Tag color="green">{t('keys.active')}</Tag> : <Tag color="orange">{t('keys.registering')}</Tag>),
          },
          { title: t('keys.origin'), dataIndex: 'origin', render: (o: KeyInfo['origin']) => (o === 'created' ? t('keys.originCreated') : t('keys.originImported')) },
          { title: t('keys.createdAt'), dataIndex: 'created_at', render: (s: string) => formatTime(s) },
        ]}
      />
      <Button data-testid="key-create" type="primary" loading={busy} onClick={() => void create()}>
        {t('keys.create')}
      </Button>
      <ImportForm productId={productId} onImported={async () => Promise.all([load(), reloadProducts()]).then(() => undefined)} />
    </Space>
  );
}

function ImportForm({ productId, onImported }: { productId: number; onImported: () => Promise<void> }) {
  const t = useT();
  const { message } = App.useApp();
  const [version, setVersion] = useState<number | null>(null);
  const [pem, setPem] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();

  const submit = () =>
    run(async () => {
      if (version === null) return;
      setError(null);
      const r = await invoke('keys.import', { product_id: productId, key_version: version, private_key_pem: pem });
      // The private key is not kept on screen once it has been handed over.
      setPem('');
      if (!r.ok) return setError(r.error);
      message.success(t('keys.imported', { version: r.value.key_version }));
      await onImported();
    });

  return (
    <Card size="small" title={t('keys.importTitle')}>
      <Typography.Paragraph type="secondary">{t('keys.importHelp')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical">
        <Form.Item label={t('keys.version')} required>
          <InputNumber data-testid="key-import-version" min={1} precision={0} value={version} onChange={(x) => setVersion(typeof x === 'number' ? x : null)} />
        </Form.Item>
        <Form.Item label={t('keys.pem')} required>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Upload
              accept=".pem,.key,.txt"
              showUploadList={false}
              maxCount={1}
              beforeUpload={(file) => {
                void file.text().then((text) => setPem(text.slice(0, 8192)));
                return false;
              }}
            >
              <Button data-testid="key-import-file" icon={<UploadOutlined />}>
                {t('keys.pickFile')}
              </Button>
            </Upload>
            <Input.TextArea
              data-testid="key-import-pem"
              value={pem}
              onChange={(e) => setPem(e.target.value)}
              rows={5}
              maxLength={8192}
              placeholder="-----BEGIN PRIVATE KEY-----"
              style={{ fontFamily: 'monospace' }}
              autoComplete="off"
              spellCheck={false}
            />
          </Space>
        </Form.Item>
        <Button data-testid="key-import-submit" loading={busy} disabled={version === null || !pem.trim()} onClick={() => void submit()}>
          {t('keys.import')}
        </Button>
      </Form>
    </Card>
  );
}
