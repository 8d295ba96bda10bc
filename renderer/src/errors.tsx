/**
 * How errors reach people: the payload's message and hint in the current language, in an
 * antd notification or an inline Alert. Never a stack, never a raw exception text. The code
 * and the engineer's detail (a command, a variable) wait behind 详情 / Details.
 */
import { Alert, App, Button } from 'antd';
import { useEffect, useState } from 'react';
import type { ErrorPayload, Locale } from '../../preload/contract';
import { useLocale, useT } from './i18n';

export interface ErrorText {
  message: string;
  hint: string;
  /** Engineers only: shown behind 详情. */
  engineer: string | null;
}

export function errorText(p: ErrorPayload, locale: Locale): ErrorText {
  return locale === 'en'
    ? { message: p.message_en, hint: p.hint_en, engineer: p.engineer_en ?? null }
    : { message: p.message_zh, hint: p.hint_zh, engineer: p.engineer_zh ?? null };
}

/** The code (and the platform's errcode) and the engineer's detail, one line each. */
export function ErrorCodeLines({ error }: { error: ErrorPayload }) {
  const t = useT();
  const { locale } = useLocale();
  const { engineer } = errorText(error, locale);
  return (
    <>
      <div>
        {t('details.code')}: <code>{error.code}</code>
        {error.errcode !== undefined && <code> (errcode {error.errcode})</code>}
      </div>
      {engineer && (
        <div>
          {t('details.engineer')}: <span style={{ fontFamily: 'monospace', wordBreak: 'break-word' }}>{engineer}</span>
        </div>
      )}
    </>
  );
}

/** 详情 / Details: a toggle that shows ErrorCodeLines under the operator's text. */
export function ErrorDetails({ error }: { error: ErrorPayload }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <div>
      <Button type="link" size="small" style={{ paddingInline: 0 }} data-testid="error-details" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? t('details.hide') : t('details.show')}
      </Button>
      {open && (
        <div data-testid="error-details-text" style={{ fontSize: 13, color: '#595959' }}>
          <ErrorCodeLines error={error} />
        </div>
      )}
    </div>
  );
}

/** An exception that is not a payload (a defect on our side): shown as a generic error. */
export function unexpected(e: unknown): ErrorPayload {
  const detail = e instanceof Error ? e.name : typeof e;
  return {
    code: 'INTERNAL',
    message_zh: `界面出现意外错误（${detail}）`,
    message_en: `Unexpected error in the screen (${detail})`,
    hint_zh: '刷新页面；持续出现请把日志发给工程师',
    hint_en: 'Reload the page; if it persists, send the log to an engineer',
  };
}

type Notify = (p: ErrorPayload) => void;
let notify: Notify | null = null;

/** Shows an error payload as a notification in the current language (see ErrorHost). */
export function showError(payload: ErrorPayload): void {
  if (notify) notify(payload);
  else console.warn('error before the UI was ready', payload.code);
}

/** Mount once inside antd <App>: gives showError() the notification API and the locale. */
export function ErrorHost() {
  const { notification } = App.useApp();
  const { locale } = useLocale();
  useEffect(() => {
    notify = (p) => {
      const { message, hint } = errorText(p, locale);
      notification.error({
        title: message,
        description: (
          <>
            {hint}
            <ErrorDetails error={p} />
          </>
        ),
        duration: 8,
        placement: 'topRight',
        props: { 'data-testid': 'error-alert', 'data-code': p.code } as React.HTMLAttributes<HTMLDivElement>,
      });
    };
    return () => {
      notify = null;
    };
  }, [notification, locale]);
  return null;
}

/** An error shown in place, e.g. under a form. */
export function ErrorAlert({ error, onClose }: { error: ErrorPayload | null | undefined; onClose?: () => void }) {
  const { locale } = useLocale();
  const t = useT();
  if (!error) return null;
  const { message, hint } = errorText(error, locale);
  return (
    <Alert
      type="error"
      showIcon
      data-testid="error-alert"
      data-code={error.code}
      title={message}
      description={
        <>
          <span>
            <b>{t('error.whatToDo')}</b>
            {hint}
          </span>
          <ErrorDetails error={error} />
        </>
      }
      closable={onClose ? { onClose } : false}
      style={{ marginBottom: 12 }}
    />
  );
}
