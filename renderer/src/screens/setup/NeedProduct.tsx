import { Alert } from 'antd';
import { useT } from '../../i18n';

/** Shown by steps that work on the current product when none is picked yet. */
export function NeedProduct() {
  const t = useT();
  return <Alert data-testid="need-product" type="warning" showIcon title={t('setup.needProduct')} />;
}
