/**
 * Static Pix charges: the BR Code payload (EMV® QRCPS merchant-presented mode, as specified by the
 * Banco Central do Brasil) built on the unit, with no network, for the gym's Pix key and an amount.
 * The payload is what the QR code encodes; any bank app reads it.
 */

/** CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as four upper-case hex digits. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** One TLV field: two-digit id, two-digit length, value. */
export function tlv(id: string, value: string): string {
  const length = new TextEncoder().encode(value).length;
  if (length > 99) throw new RangeError(`field ${id} is longer than 99 bytes`);
  return `${id}${String(length).padStart(2, '0')}${value}`;
}

/** ASCII without accents or symbols, as BR Code names and cities must be. */
export function pixText(value: string, max: number): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9 .,-]/g, '')
    .trim()
    .slice(0, max);
}

/** What a static Pix charge needs. */
export interface PixCharge {
  /** The receiver's Pix key: CNPJ/CPF digits, e-mail, +55 phone or random key (EVP). */
  readonly key: string;
  /** Receiver name shown by the payer's bank (25 characters at most). */
  readonly merchantName: string;
  /** Receiver city (15 characters at most). */
  readonly merchantCity: string;
  /** Amount in cents; absent lets the payer type it. */
  readonly amountCents?: number;
  /** Reference shown on the statement: letters and digits, 25 at most; `***` when absent. */
  readonly txid?: string;
  /** Free text for the payer (kept short: key + description must fit 99 bytes). */
  readonly description?: string;
}

/** Builds the BR Code payload of a static Pix charge, CRC included. */
export function pixPayload(charge: PixCharge): string {
  const account =
    tlv('00', 'br.gov.bcb.pix') +
    tlv('01', charge.key.trim()) +
    (charge.description ? tlv('02', pixText(charge.description, 40)) : '');
  const txid = (charge.txid ?? '***').replace(/[^A-Za-z0-9]/g, '').slice(0, 25) || '***';
  const body =
    tlv('00', '01') +
    tlv('26', account) +
    tlv('52', '0000') +
    tlv('53', '986') +
    (charge.amountCents === undefined ? '' : tlv('54', (charge.amountCents / 100).toFixed(2))) +
    tlv('58', 'BR') +
    tlv('59', pixText(charge.merchantName, 25)) +
    tlv('60', pixText(charge.merchantCity, 15)) +
    tlv('62', tlv('05', txid)) +
    '6304';
  return body + crc16(body);
}

/** Reads a TLV string back into fields (for tests and for checking a pasted payload). */
export function parseTlv(payload: string): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < payload.length) {
    const id = payload.slice(at, at + 2);
    const length = Number(payload.slice(at + 2, at + 4));
    if (!/^\d{2}$/.test(id) || Number.isNaN(length)) throw new SyntaxError(`bad TLV at ${at}`);
    fields.set(id, payload.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return fields;
}

/** True when the payload's last field is a CRC that matches the rest. */
export function pixCrcValid(payload: string): boolean {
  return payload.length > 8 && crc16(payload.slice(0, -4)) === payload.slice(-4);
}
