import type { ptBR } from './pt-BR.ts';

export const en: typeof ptBR = {
  title: 'Front desk',
  welcome: 'Welcome! Show your QR code to the camera or type your number.',
  checkIn: 'Check in',
  clear: 'Clear',
};
