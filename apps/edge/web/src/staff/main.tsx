import '@gymedge/ui/styles.css';
import { createI18n, Layout, mountScreen } from '@gymedge/ui';
import { StaffAssistant } from '../assistant/staff.tsx';

const i18n = createI18n({
  namespace: 'staff',
  resources: { 'pt-BR': { title: 'Console da equipe' }, en: { title: 'Staff console' } },
});

mountScreen(
  i18n,
  <Layout title={i18n.t('title')}>
    <StaffAssistant />
  </Layout>,
);
