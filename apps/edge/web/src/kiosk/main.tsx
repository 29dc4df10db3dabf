import '@gymedge/ui/styles.css';
import './kiosk.css';
import { mountScreen } from '@gymedge/ui';
import { KioskApp } from './app.tsx';
import { i18n } from './i18n.ts';

mountScreen(i18n, <KioskApp />);
