export const ptBR = {
  title: 'Recepção',
  welcome: 'Bem-vindo! Aproxime seu QR code da câmera ou digite seu número.',
  checkIn: 'Entrar',
  clear: 'Limpar',
};
