/** Sends one push message; the UTF-8 size is counted live against the platform's limit, as the station defines it. */
import { SendOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';
import { utf8Bytes } from '../../util/bytes';

export function PushTool() {
  const t = useT();
  const { message } = App.useApp();
  const [token, setToken] = useState('');
  const [msg, setMsg] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  // The core's one definition, so the page and the handler refuse the same message.
  const limit = useLoadedState().limits.push_msg_bytes;
  const bytes = utf8Bytes(msg);
  const over = bytes > limit;

  const send = () =>
    run(async () => {
      setError(null);
      const r = await invoke('tools.push', { push_token: token.trim(), msg });
      if (!r.ok) return setError(r.error);
      message.success(t('push.sent', { bytes: r.value.bytes }));
    });

  return (
    <Form layout="vertical" style={{ maxWidth: 720 }}>
      <Typography.Paragraph type="secondary">{t('push.intro')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form.Item label={t('push.token')} required>
        <Input data-testid="push-token" value={token} onChange={(e) => setToken(e.target.value)} maxLength={512} autoComplete="off" spellCheck={false} />
      </Form.Item>
      <Form.Item
        label={t('push.msg')}
        required
        validateStatus={over ? 'error' : undefined}
        help={
          <span data-testid="push-bytes" data-bytes={bytes} data-over={String(over)} style={{ color: over ? '#cf1322' : undefined, fontWeight: over ? 700 : undefined }}>
            {t('push.bytes', { bytes, limit })}
            {over ? ` — ${t('push.over', { n: bytes - limit })}` : ''}
          </span>
        }
      >
        <Input.TextArea data-testid="push-msg" value={msg} onChange={(e) => setMsg(e.target.value)} rows={8} status={over ? 'error' : undefined} />
      </Form.Item>
      <Button data-testid="push-send" type="primary" icon={<SendOutlined />} loading={busy} disabled={over || !msg || !token.trim()} onClick={() => void send()}>
        {t('push.send')}
      </Button>
    </Form>
  );
}
