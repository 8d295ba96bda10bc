/**
 * `records.export` with the filter of the rows on screen, so the file holds exactly them (all
 * pages); the browser downloads from the returned url, Electron says where the file is.
 */
import { DownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Typography } from 'antd';
import { useState } from 'react';
import { call } from '../../call';
import { useT } from '../../i18n';
import { useBusy } from '../../useBusy';
import type { RecordQuery } from './usePagedRecords';

export function ExportButton({ query }: { query: RecordQuery }) {
  const t = useT();
  const { modal } = App.useApp();
  const [busy, run] = useBusy();
  const [opened, setOpened] = useState(false);

  const exportCsv = () =>
    run(async () => {
      const r = await call('records.export', query);
      if (!r) return;
      if (r.url) {
        // An anchor with `download` still works after the await (window.open may be blocked).
        const a = document.createElement('a');
        a.href = r.url;
        a.download = '';
        a.rel = 'noopener';
        document.body.append(a);
        a.click();
        a.remove();
        setOpened(true);
      }
      modal.success({
        title: t('export.done', { n: r.rows }),
        content: r.url ? (
          <Alert
            type="info"
            title={t('export.downloading')}
            description={
              <a data-testid="records-export-link" href={r.url} download rel="noopener">
                {t('export.link')}
              </a>
            }
          />
        ) : (
          <Typography.Paragraph>
            {t('export.savedTo')}
            <br />
            <Typography.Text code copyable data-testid="records-export-file">
              {r.file}
            </Typography.Text>
          </Typography.Paragraph>
        ),
      });
    });

  return (
    <Button data-testid="records-export" data-opened={String(opened)} icon={<DownloadOutlined />} loading={busy} onClick={() => void exportCsv()}>
      {t('records.export')}
    </Button>
  );
}
