import { describe, expect, it } from 'vitest';
import { isLocalAddress, LayoutBody } from '../src/api/routes/vision.ts';

describe('camera frames stay on the unit’s network', () => {
  it('serves loopback, private, link-local and unique-local addresses only', () => {
    for (const ip of [
      '127.0.0.1',
      '::1',
      '::ffff:127.0.0.1',
      '10.1.2.3',
      '172.16.0.9',
      '172.31.255.1',
      '192.168.0.20',
      '169.254.3.4',
      'fd12:3456::1',
      'fe80::1',
    ]) {
      expect([ip, isLocalAddress(ip)]).toEqual([ip, true]);
    }
    for (const ip of [
      '8.8.8.8',
      '172.32.0.1',
      '172.15.0.1',
      '192.169.0.1',
      '2001:db8::1',
      '::ffff:200.1.2.3',
      '11.0.0.1',
    ]) {
      expect([ip, isLocalAddress(ip)]).toEqual([ip, false]);
    }
  });

  it('accepts layouts in normalised coordinates only, with safe names', () => {
    const ok = {
      zones: [
        {
          id: 'z1',
          name: 'Musculação',
          kind: 'no_seat',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
      ],
      lines: [],
    };
    expect(LayoutBody.safeParse(ok).success).toBe(true);
    expect(
      LayoutBody.safeParse({
        ...ok,
        zones: [
          {
            ...ok.zones[0],
            polygon: [
              [0, 0],
              [640, 0],
              [1, 1],
            ],
          },
        ],
      }).success,
    ).toBe(false);
    expect(LayoutBody.safeParse({ ...ok, zones: [{ ...ok.zones[0], name: '<script>' }] }).success).toBe(
      false,
    );
    expect(LayoutBody.safeParse({ ...ok, extra: 1 }).success).toBe(false);
  });
});
