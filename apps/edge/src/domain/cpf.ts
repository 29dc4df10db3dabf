/**
 * CPF, the Brazilian taxpayer number: 11 digits, the last two are check digits (mod 11).
 * Accepts `123.456.789-09` or `12345678909`; sequences of one repeated digit are invalid.
 */
export function normalizeCpf(value: string): string | undefined {
  if (!/^\s*\d{3}\.?\d{3}\.?\d{3}-?\d{2}\s*$/.test(value)) return undefined;
  const digits = value.replace(/\D/g, '');
  return isValidCpfDigits(digits) ? digits : undefined;
}

function isValidCpfDigits(digits: string): boolean {
  if (digits.length !== 11 || /^(\d)\1{10}$/.test(digits)) return false;
  const d = [...digits].map(Number);
  for (const length of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += (d[i] ?? 0) * (length + 1 - i);
    const check = ((sum * 10) % 11) % 10;
    if (check !== d[length]) return false;
  }
  return true;
}

/** `12345678909` → `123.456.789-09`. */
export function formatCpf(digits: string): string {
  return `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9)}`;
}

/** Makes the two check digits for nine base digits (used by the demo generator and tests). */
export function cpfFromBase(base9: string): string {
  const d = [...base9].map(Number);
  for (const length of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += (d[i] ?? 0) * (length + 1 - i);
    d.push(((sum * 10) % 11) % 10);
  }
  return d.join('');
}
