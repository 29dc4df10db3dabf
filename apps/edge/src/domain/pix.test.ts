import { describe, expect, it } from 'vitest';
import { crc16, parseTlv, pixCrcValid, pixPayload, pixText } from './pix.ts';

describe('Pix BR Code', () => {
  it('computes CRC-16/CCITT-FALSE (check value of "123456789" is 29B1)', () => {
    expect(crc16('123456789')).toBe('29B1');
  });

  it('reproduces the Banco Central example payload exactly, CRC included', () => {
    // The static example of the BR Code manual: key 123e4567-..., Fulano de Tal, Brasília, no amount.
    const payload = pixPayload({
      key: '123e4567-e12b-12d1-a456-426655440000',
      merchantName: 'Fulano de Tal',
      merchantCity: 'BRASILIA',
    });
    expect(payload).toBe(
      '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D',
    );
    expect(pixCrcValid(payload)).toBe(true);
  });

  it('carries the amount, the reference and accent-free names, and any change breaks the CRC', () => {
    const payload = pixPayload({
      key: '12345678000195',
      merchantName: 'Academia Força & Saúde Paulista Ltda',
      merchantCity: 'São Paulo',
      amountCents: 12990,
      txid: 'GE-pay 0001',
    });
    const fields = parseTlv(payload);
    expect(fields.get('54')).toBe('129.90');
    expect(fields.get('53')).toBe('986');
    expect(fields.get('59')).toBe('Academia Forca  Saude Pau');
    expect(fields.get('60')).toBe('Sao Paulo');
    expect(parseTlv(fields.get('62') ?? '').get('05')).toBe('GEpay0001');
    expect(parseTlv(fields.get('26') ?? '').get('01')).toBe('12345678000195');
    expect(pixCrcValid(payload)).toBe(true);
    expect(pixCrcValid(payload.replace('129.90', '129.91'))).toBe(false);
  });

  it('makes text safe for the payload', () => {
    expect(pixText('Ãção <b>', 10)).toBe('Acao b');
  });
});
