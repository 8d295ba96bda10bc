/**
 * The barcode field. A scanner is a keyboard that types the code and presses Enter, so the
 * field keeps the focus: it is focused on arrival, after each scan, and when typing starts
 * while nothing else that takes text has the focus.
 */
import { BarcodeOutlined } from '@ant-design/icons';
import { Flex, Input, Tag, Typography, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import type { LineStatus } from '../../../../preload/contract';
import { call } from '../../call';
import { useT } from '../../i18n';

const takesText = (el: Element | null): boolean =>
  el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable);

export function ScanField({ pendingSn, onStatus, disabled }: { pendingSn: string | null; onStatus: (s: LineStatus) => void; disabled?: boolean }) {
  const t = useT();
  const ref = useRef<InputRef>(null);
  const [value, setValue] = useState('');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      const active = document.activeElement;
      if (takesText(active) || active?.closest('.ant-modal, .ant-dropdown, .ant-popover, .ant-select-dropdown')) return;
      ref.current?.focus();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const submit = async () => {
    const sn = value.trim();
    setValue('');
    ref.current?.focus();
    if (!sn) return;
    const s = await call('line.scan', { sn: sn.slice(0, 128) });
    if (s) onStatus(s);
  };

  // One row: the line screen gives its height to the tiles.
  return (
    <Flex align="center" gap={12} style={{ width: '100%' }}>
      <Input
        ref={ref}
        data-testid="scan-input"
        autoFocus
        size="large"
        prefix={<BarcodeOutlined />}
        placeholder={t('scan.placeholder')}
        value={value}
        disabled={disabled}
        onChange={(e) => setValue(e.target.value)}
        onPressEnter={() => void submit()}
        autoComplete="off"
        spellCheck={false}
        style={{ flex: 1, minWidth: 200 }}
      />
      <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }}>
        {t('scan.pending')}{' '}
        {pendingSn ? (
          <Tag data-testid="scan-pending" color="blue" style={{ fontSize: 16, fontFamily: 'monospace' }}>
            {pendingSn}
          </Tag>
        ) : (
          <span data-testid="scan-pending">{t('scan.none')}</span>
        )}
      </Typography.Text>
    </Flex>
  );
}
