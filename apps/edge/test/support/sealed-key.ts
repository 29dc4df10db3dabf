import { createDecipheriv } from 'node:crypto';

/**
 * Where in `bytes` a 32-byte window opens the sealed field `sealed` (the Foundation's AES-256-GCM layout:
 * version byte, 12-byte IV, 16-byte tag, body; AAD `member|field`), or undefined when none does. Tests use
 * it to prove a member key is (or is no longer) anywhere in a raw file.
 */
export function findSealKey(bytes: Buffer, sealed: Uint8Array, aad: string): number | undefined {
  const iv = sealed.subarray(1, 13);
  const tag = sealed.subarray(13, 29);
  const body = sealed.subarray(29);
  for (let at = 0; at + 32 <= bytes.length; at++) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', bytes.subarray(at, at + 32), iv);
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(tag);
      decipher.update(body);
      decipher.final();
      return at;
    } catch {
      // not the key
    }
  }
  return undefined;
}
