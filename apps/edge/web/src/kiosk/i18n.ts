import { createI18n } from '@gymedge/ui';
import { en } from './locales/en.ts';
import { ptBR } from './locales/pt-BR.ts';

export const i18n = createI18n({ namespace: 'kiosk', resources: { 'pt-BR': ptBR, en } });
