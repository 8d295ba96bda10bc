import { ApiOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import { useT } from '../i18n';
import { useAppState } from '../state/app-state';

/** The address without its scheme: host, port and any path (a proxy's prefix matters). */
const shortUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return u.host + (u.pathname === '/' ? '' : u.pathname);
  } catch {
    return url;
  }
};

/** Real mode talking to anything but the official API (a proxy, a test platform) is always in sight. */
export function ApiBaseBadge() {
  const t = useT();
  const { state } = useAppState();
  if (state?.mode !== 'real' || state.api_base === state.api_base_official) return null;
  return (
    <Tooltip title={t('apiBase.badgeHelp', { url: state.api_base })}>
      <Tag data-testid="api-base-badge" data-from={state.api_base_from} icon={<ApiOutlined />} color="gold" style={{ fontSize: 14, lineHeight: '26px', marginInlineEnd: 0, whiteSpace: 'nowrap' }}>
        {t('apiBase.badge', { host: shortUrl(state.api_base) })}
      </Tag>
    </Tooltip>
  );
}
