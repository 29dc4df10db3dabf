import '@gymedge/ui/styles.css';
import './staff.css';
import { createI18n, mountScreen } from '@gymedge/ui';
import { StaffApp } from './app.tsx';
import { en } from './locales/en.ts';
import { ptBR } from './locales/pt-BR.ts';

const i18n = createI18n({ namespace: 'staff', resources: { 'pt-BR': ptBR, en } });

mountScreen(i18n, <StaffApp />);
