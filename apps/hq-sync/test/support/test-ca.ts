import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority and a broker certificate for 127.0.0.1, made with the openssl CLI. */
export interface TestCa {
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** Makes a throw-away CA and a server certificate signed by it (P-256, one day) in `dir`. */
export function makeTestCa(dir: string): TestCa {
  const file = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=GymEdge test CA',
  );
  ssl('req', ...ec, '-keyout', file('broker.key'), '-out', file('broker.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    file('broker.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('broker.pem'),
    '-days',
    '1',
    '-extfile',
    file('san.ext'),
  );
  return {
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    certFile: file('broker.pem'),
    keyFile: file('broker.key'),
    cert: readFileSync(file('broker.pem'), 'utf8'),
    key: readFileSync(file('broker.key'), 'utf8'),
  };
}

/** Another CA, unrelated to the broker's: a unit trusting it must not connect. */
export function makeOtherCa(dir: string): string {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'other.key'),
      '-out',
      join(dir, 'other.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=Not HQ',
    ],
    { stdio: 'pipe' },
  );
  return readFileSync(join(dir, 'other.pem'), 'utf8');
}
