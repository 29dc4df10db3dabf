/**
 * The privacy seam of vision: what may leave the unit is counts, events and alerts, never pixels.
 * {@link findImageBytes} recognises encoded image data in any byte stream (JPEG, PNG, GIF, WebP, and
 * base64 of JPEG/PNG) so tests can scan what a unit stores for sync and every byte it sends over MQTT
 * (`test/vision-mqtt-privacy.test.ts`). Vision payloads are also small by construction
 * ({@link MAX_VISION_PAYLOAD_BYTES}), which rules out raw pixels.
 *
 * A JPEG is recognised by its start (FF D8 FF) followed by a chain of well-formed header segments, so
 * that random binary (compressed Automerge changes) does not look like one: three bytes alone match
 * about once in 16 MB of random data, a chain of segments practically never.
 */

const SIGNATURES: readonly { readonly name: string; readonly bytes: Buffer }[] = [
  { name: 'png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'gif', bytes: Buffer.from('GIF87a', 'latin1') },
  { name: 'gif', bytes: Buffer.from('GIF89a', 'latin1') },
  { name: 'webp', bytes: Buffer.from('WEBPVP8', 'latin1') },
  // Base64 of the PNG signature, as an image would appear inside JSON.
  { name: 'png-base64', bytes: Buffer.from('iVBORw0KGgo', 'latin1') },
];

const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);
const JPEG_START_BASE64 = Buffer.from('/9j/', 'latin1');

/**
 * Whether a JPEG starts at `i`: SOI, then header segments (FF, a marker, a length) chained up to the
 * start of scan or for three segments, or until the data ends (a JPEG cut short still counts).
 */
export function jpegAt(buffer: Buffer, i: number): boolean {
  if (buffer[i] !== 0xff || buffer[i + 1] !== 0xd8) return false;
  let p = i + 2;
  for (let segments = 0; segments < 3; segments++) {
    if (p + 4 > buffer.length) return segments >= 1;
    const marker = buffer[p + 1] ?? 0;
    if (buffer[p] !== 0xff) return false;
    if (marker === 0xda) return segments >= 1; // start of scan after the tables
    // Header markers: SOFn, DHT, DAC, DQT, DRI, APPn, COM (not RSTn, SOI, EOI or stuffing).
    if (marker < 0xc0 || marker === 0xff || (marker >= 0xd0 && marker <= 0xd9)) return false;
    const length = buffer.readUInt16BE(p + 2);
    if (length < 2) return false;
    p += 2 + length;
  }
  return true;
}

/** The kind of image data found in `bytes`, or undefined when there is none. */
export function findImageBytes(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = buffer.indexOf(JPEG_START); i >= 0; i = buffer.indexOf(JPEG_START, i + 1))
    if (jpegAt(buffer, i)) return 'jpeg';
  for (let i = buffer.indexOf(JPEG_START_BASE64); i >= 0; i = buffer.indexOf(JPEG_START_BASE64, i + 1)) {
    const run = /^[A-Za-z0-9+/_-]+/.exec(buffer.subarray(i, i + 800).toString('latin1'))?.[0] ?? '';
    const decoded = Buffer.from(run.slice(0, run.length - (run.length % 4)), 'base64');
    if (decoded.length >= 6 && jpegAt(decoded, 0)) return 'jpeg-base64';
  }
  for (const signature of SIGNATURES) if (buffer.includes(signature.bytes)) return signature.name;
  return undefined;
}

/** Largest message that carries only counts and events; a vision payload above this is suspect. */
export const MAX_VISION_PAYLOAD_BYTES = 4096;
