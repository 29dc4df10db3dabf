import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A member's key wrapped for one peer: AES-256-GCM under the link key that HQ's enrolment shared with
 * that unit (`[iv 12][tag 16][ciphertext 32]`, AAD = member id), base64. Neither the wire nor the
 * broker's persistence ever holds a member key in the clear.
 */
export function wrapKey(linkKey: Uint8Array, memberId: string, key: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', linkKey, iv);
  cipher.setAAD(Buffer.from(memberId));
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The member key inside `wrapped`, or undefined if it was not wrapped with this link key for this member. */
export function unwrapKey(linkKey: Uint8Array, memberId: string, wrapped: string): Buffer | undefined {
  try {
    const raw = Buffer.from(wrapped, 'base64');
    if (raw.length !== 12 + 16 + 32) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', linkKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(memberId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Where a peer keeps member keys (the unit's `member_keys` through its vault, HQ's own table). */
export interface MemberKeys {
  /** The key of a member, if this peer holds it (undefined once erased). */
  get(memberId: string): Uint8Array | undefined;
  /** Stores a key that arrived, unless the member is erased here. */
  put(memberId: string, key: Uint8Array): void;
  /** Stores many keys at once (one transaction, one fsync); keys already held are skipped. */
  putAll?(entries: ReadonlyArray<{ memberId: string; key: Uint8Array }>): void;
}
