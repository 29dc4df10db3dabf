import { Keypad, Layout } from '@gymedge/ui';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export function KioskApp() {
  const { t } = useTranslation();
  const [number, setNumber] = useState('');
  return (
    <Layout title={t('title')} variant="kiosk">
      <p>{t('welcome')}</p>
      <Keypad
        value={number}
        onChange={setNumber}
        onSubmit={() => setNumber('')}
        submitLabel={t('checkIn')}
        clearLabel={t('clear')}
      />
    </Layout>
  );
}
