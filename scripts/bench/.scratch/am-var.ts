import * as A from '@automerge/automerge';
import { randomBytes } from 'node:crypto';
const N = 2000;
const im = (s: string) => new A.ImmutableString(s);
function shape(i: number, mode: string) {
  const s = (v: string) => (mode === 'text' ? v : im(v));
  const b = (n: number) => (mode === 'nobytes' ? im('x'.repeat(n)) : new Uint8Array(randomBytes(n)));
  const base: Record<string, unknown> = {
    id: s(`member:${String(i).padStart(26, '0')}`), type: s('member'), schemaVersion: 2, unitId: s('bench-unit'),
    createdAt: s('2020-01-01T12:00:00.000Z'), updatedAt: s('2020-01-01T12:00:00.000Z'), status: s('active'),
    signupDate: s('2020-01-01'), region: s('Zona Sul'), churned: false, consent: { marketing: true, imageAnalytics: false },
  };
  if (mode !== 'nopii') base.pii = { name: b(45), email: b(55), phone: b(43), document: b(40), birthDate: b(39), gender: b(35) };
  return base;
}
for (const mode of ['imm', 'imm', 'text', 'nobytes', 'nopii']) {
  const shapes = Array.from({ length: N }, (_, i) => shape(i, mode));
  let tFrom = 0, tSave = 0, bytes = 0;
  for (const sh of shapes) {
    const t0 = performance.now();
    const d = A.from(sh);
    const t1 = performance.now();
    bytes += A.save(d).length;
    const t2 = performance.now();
    A.free(d);
    tFrom += t1 - t0; tSave += t2 - t1;
  }
  console.log(mode.padEnd(8), 'from µs', (1000 * tFrom / N).toFixed(0), 'save µs', (1000 * tSave / N).toFixed(0), 'bytes', (bytes / N).toFixed(0));
}
// change on init
{
  let t = 0;
  for (let i = 0; i < N; i++) { const sh = shape(i, 'imm'); const t0 = performance.now(); let d = A.init<any>(); d = A.change(d, (x) => Object.assign(x, sh)); A.save(d); A.free(d); t += performance.now() - t0; }
  console.log('init+change+save µs', (1000 * t / N).toFixed(0));
}
