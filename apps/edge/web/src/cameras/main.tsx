// Mount point of the camera monitor (/cameras). The vision engineer owns this folder and replaces this stub.
import '@gymedge/ui/styles.css';
import { createI18n, Layout, mountScreen } from '@gymedge/ui';

const i18n = createI18n({
  namespace: 'cameras',
  resources: {
    'pt-BR': { title: 'Câmeras', soon: 'O monitor das câmeras chega com o trabalho de visão.' },
    en: { title: 'Cameras', soon: 'The camera monitor arrives with the vision work.' },
  },
});

function Cameras() {
  return (
    <Layout title={i18n.t('title')}>
      <p>{i18n.t('soon')}</p>
    </Layout>
  );
}

mountScreen(i18n, <Cameras />);
