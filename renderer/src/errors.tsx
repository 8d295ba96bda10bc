/**
 * How errors reach people: the payload's message and hint in the current language, in an
 * antd notification or an inline Alert. Never a stack, never a raw exception text.
 */
import { Alert, App } from 'antd';
import { useEffect } from 'react';
import type { ErrorPayload, Locale } from '../../preload/contract';
import { useLocale, useT } from './i18n';

export interface ErrorText {
  message: string;
  hint: string;
}

export function errorText(p: ErrorPayload, locale: Locale): ErrorText {
  return locale === 'en' ? { message: p.message_en, hint: p.hint_en } : { message: p.message_zh, hint: p.hint_zh };
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
        description: hint,
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
        <span>
          <b>{t('error.whatToDo')}</b>
          {hint}
        </span>
      }
      closable={onClose ? { onClose } : false}
      style={{ marginBottom: 12 }}
    />
  );
}
