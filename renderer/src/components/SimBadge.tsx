import { ExperimentOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import { useT } from '../i18n';

/** Always visible in simulation mode: nothing done here reaches the real platform or real units. */
export function SimBadge() {
  const t = useT();
  return (
    <Tooltip title={t('sim.badgeHelp')}>
      <Tag
        data-testid="sim-badge"
        icon={<ExperimentOutlined />}
        color="#fa8c16"
        style={{ fontSize: 16, lineHeight: '28px', paddingInline: 12, fontWeight: 700, marginInlineEnd: 0 }}
      >
        {t('sim.badge')}
      </Tag>
    </Tooltip>
  );
}
