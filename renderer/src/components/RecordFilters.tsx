import { Select, Tag } from 'antd';
import type { DeviceStatus } from '../../../preload/contract';
import { useT, type MessageKey } from '../i18n';

/**
 * The ledger's filter controls and status tag, shared by the station's records screen and the
 * fleet dashboard's records view: both filter the same rows by the same words, so an operator
 * who knows one knows the other.
 */
export const STATUS_WORDS: Record<DeviceStatus, { key: MessageKey; color: string }> = {
  allocated: { key: 'status.allocated', color: 'default' },
  written: { key: 'status.written', color: 'processing' },
  verified: { key: 'status.verified', color: 'green' },
  failed: { key: 'status.failed', color: 'red' },
  void: { key: 'status.void', color: 'default' },
};

interface NamedProduct {
  product_id: number;
  chinese_name?: string | null;
  english_name?: string | null;
}

export function ProductFilter(p: { testId: string; products: NamedProduct[]; value: number | undefined; onChange(v: number | undefined): void }) {
  const t = useT();
  return (
    <Select
      data-testid={p.testId}
      allowClear
      placeholder={t('records.allProducts')}
      style={{ width: 200 }}
      value={p.value}
      onChange={p.onChange}
      options={p.products.map((x) => ({ value: x.product_id, label: `${x.product_id} ${x.chinese_name ?? x.english_name ?? ''}` }))}
    />
  );
}

export function StatusFilter(p: { testId: string; value: DeviceStatus | undefined; onChange(v: DeviceStatus | undefined): void; width?: number }) {
  const t = useT();
  return (
    <Select
      data-testid={p.testId}
      allowClear
      placeholder={t('records.status')}
      style={{ width: p.width ?? 140 }}
      value={p.value}
      onChange={p.onChange}
      options={(Object.keys(STATUS_WORDS) as DeviceStatus[]).map((s) => ({ value: s, label: t(STATUS_WORDS[s].key) }))}
    />
  );
}

export function StatusTag({ status }: { status: DeviceStatus }) {
  const t = useT();
  return <Tag color={STATUS_WORDS[status].color}>{t(STATUS_WORDS[status].key)}</Tag>;
}
