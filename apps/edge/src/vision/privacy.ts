/**
 * The privacy seam of vision: what may leave the unit is counts, events and alerts, never pixels.
 * {@link findImageBytes} recognises encoded image data in any byte stream (JPEG, PNG, GIF, WebP, and
 * base64 of JPEG/PNG) so tests can scan what a unit stores for sync and, once the unit's sync client is
 * wired, every byte it sends over MQTT. Vision payloads are also small by construction
 * ({@link MAX_VISION_PAYLOAD_BYTES}), which rules out raw pixels.
 */

const SIGNATURES: readonly { readonly name: string; readonly bytes: Buffer }[] = [
  { name: 'jpeg', bytes: Buffer.from([0xff, 0xd8, 0xff]) },
  { name: 'png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'gif', bytes: Buffer.from('GIF8', 'latin1') },
  { name: 'webp', bytes: Buffer.from('WEBPVP8', 'latin1') },
  // Base64 of the JPEG and PNG headers, as an image would appear inside JSON.
  { name: 'jpeg-base64', bytes: Buffer.from('/9j/', 'latin1') },
  { name: 'png-base64', bytes: Buffer.from('iVBORw0KGgo', 'latin1') },
];

/** The kind of image data found in `bytes`, or undefined when there is none. */
export function findImageBytes(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const signature of SIGNATURES) if (buffer.includes(signature.bytes)) return signature.name;
  return undefined;
}

/** Largest message that carries only counts and events; a vision payload above this is suspect. */
export const MAX_VISION_PAYLOAD_BYTES = 4096;
