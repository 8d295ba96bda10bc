/** Products: pick the one the line works on, create one on the platform, or record one made elsewhere. */
import { App, Button, Card, Checkbox, Form, Input, InputNumber, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { call, invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';
import type { ProductItem } from '../../state/useProducts';

const UNKNOWN_OUTCOME = new Set(['PRODUCT_CREATE_OUTCOME_UNKNOWN', 'PRODUCT_CREATE_PENDING']);

export function ProductStep({ products, loading, reload }: { products: ProductItem[]; loading: boolean; reload: () => Promise<void> }) {
  const t = useT();
  const state = useLoadedState();
  const { message } = App.useApp();

  const select = async (product_id: number) => {
    const s = await call('products.select', { product_id });
    if (s) {
      state.update(s);
      message.success(t('product.selected', { id: product_id }));
    }
  };

  const afterAdd = async (product_id: number) => {
    await reload();
    if (state.product_id === null) await select(product_id);
  };

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Table<ProductItem>
        data-testid="product-list"
        rowKey="product_id"
        size="small"
        loading={loading}
        dataSource={products}
        pagination={false}
        locale={{ emptyText: t('product.none') }}
        columns={[
          { title: t('product.id'), dataIndex: 'product_id', width: 110 },
          { title: t('product.name'), render: (_, p) => p.chinese_name ?? p.english_name ?? p.default_name ?? '—' },
          { title: t('product.model'), dataIndex: 'model_name', render: (m: string | null) => m ?? <Tag color="red">{t('product.noModel')}</Tag> },
          { title: t('product.keys'), render: (_, p) => (p.key_versions.length ? p.key_versions.join(', ') : '—') },
          { title: t('product.apps'), render: (_, p) => p.appids.length || '—' },
          {
            title: '',
            width: 120,
            render: (_, p) =>
              p.product_id === state.product_id ? (
                <Tag color="blue" data-testid={`product-current-${p.product_id}`}>
                  {t('product.inUse')}
                </Tag>
              ) : (
                <Button size="small" data-testid={`product-select-${p.product_id}`} onClick={() => void select(p.product_id)}>
                  {t('product.use')}
                </Button>
              ),
          },
        ]}
      />
      <CreateForm onCreated={afterAdd} />
      <RecordForm onRecorded={afterAdd} />
    </Space>
  );
}

function CreateForm({ onCreated }: { onCreated: (id: number) => Promise<void> }) {
  const t = useT();
  const { message } = App.useApp();
  const [v, setV] = useState({ english_name: '', chinese_name: '', default_name: '', model_name: '' });
  const [force, setForce] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const set = (k: keyof typeof v) => (e: React.ChangeEvent<HTMLInputElement>) => setV({ ...v, [k]: e.target.value });
  const complete = Object.values(v).every((x) => x.trim().length > 0);
  const unknown = error !== null && UNKNOWN_OUTCOME.has(error.code);

  const submit = () =>
    run(async () => {
      setError(null);
      const r = await invoke('products.create', { ...v, ...(force ? { force: true } : {}) });
      if (!r.ok) return setError(r.error);
      setForce(false);
      message.success(r.value.existing ? t('product.createdBefore', { id: r.value.product_id }) : t('product.created', { id: r.value.product_id }));
      await onCreated(r.value.product_id);
    });

  return (
    <Card size="small" title={t('product.createTitle')}>
      <Typography.Paragraph type="secondary">{t('product.createHelp')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical">
        <Form.Item label={t('product.zhName')} required>
          <Input data-testid="product-create-zh" value={v.chinese_name} onChange={set('chinese_name')} maxLength={64} />
        </Form.Item>
        <Form.Item label={t('product.enName')} required>
          <Input data-testid="product-create-en" value={v.english_name} onChange={set('english_name')} maxLength={64} />
        </Form.Item>
        <Form.Item label={t('product.defaultName')} required extra={t('product.defaultNameHelp')}>
          <Input data-testid="product-create-default" value={v.default_name} onChange={set('default_name')} maxLength={64} />
        </Form.Item>
        <Form.Item label={t('product.model')} required extra={t('product.modelHelp')}>
          <Input data-testid="product-create-model" value={v.model_name} onChange={set('model_name')} maxLength={64} />
        </Form.Item>
        {(unknown || force) && (
          <Form.Item>
            <Checkbox data-testid="product-create-force" checked={force} onChange={(e) => setForce(e.target.checked)}>
              {t('product.force')}
            </Checkbox>
          </Form.Item>
        )}
        <Button data-testid="product-create-submit" type="primary" loading={busy} disabled={!complete} onClick={() => void submit()}>
          {t('product.create')}
        </Button>
      </Form>
    </Card>
  );
}

function RecordForm({ onRecorded }: { onRecorded: (id: number) => Promise<void> }) {
  const t = useT();
  const { message } = App.useApp();
  const [id, setId] = useState<number | null>(null);
  const [model, setModel] = useState('');
  const [en, setEn] = useState('');
  const [zh, setZh] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();

  const submit = () =>
    run(async () => {
      if (id === null) return;
      setError(null);
      const r = await invoke('products.record', {
        product_id: id,
        model_name: model.trim(),
        ...(en.trim() ? { english_name: en.trim() } : {}),
        ...(zh.trim() ? { chinese_name: zh.trim() } : {}),
      });
      if (!r.ok) return setError(r.error);
      message.success(t('product.recorded', { id: r.value.product_id }));
      await onRecorded(r.value.product_id);
    });

  return (
    <Card size="small" title={t('product.recordTitle')}>
      <Typography.Paragraph type="secondary">{t('product.recordHelp')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical">
        <Form.Item label={t('product.id')} required>
          <InputNumber data-testid="product-record-id" min={1} precision={0} value={id} onChange={(x) => setId(typeof x === 'number' ? x : null)} style={{ width: 240 }} />
        </Form.Item>
        <Form.Item label={t('product.model')} required>
          <Input data-testid="product-record-model" value={model} onChange={(e) => setModel(e.target.value)} maxLength={64} />
        </Form.Item>
        <Form.Item label={t('product.zhName')}>
          <Input data-testid="product-record-zh" value={zh} onChange={(e) => setZh(e.target.value)} maxLength={64} />
        </Form.Item>
        <Form.Item label={t('product.enName')}>
          <Input data-testid="product-record-en" value={en} onChange={(e) => setEn(e.target.value)} maxLength={64} />
        </Form.Item>
        <Button data-testid="product-record-submit" loading={busy} disabled={id === null || !model.trim()} onClick={() => void submit()}>
          {t('product.record')}
        </Button>
      </Form>
    </Card>
  );
}
