/**
 * LGPD (Lei 13.709/2018, art. 18): a member's copy of their data, as JSON and as CSV. Everything the
 * unit holds about the person, in clear, nothing about anybody else.
 */

/** Everything gathered for the export (the service decrypts and collects; this only shapes it). */
export interface MemberDataBundle {
  readonly exportedAt: string;
  readonly unitId: string;
  readonly member: Readonly<Record<string, unknown>>;
  readonly memberships: readonly Readonly<Record<string, unknown>>[];
  readonly payments: readonly Readonly<Record<string, unknown>>[];
  readonly bookings: readonly Readonly<Record<string, unknown>>[];
  readonly checkins: readonly Readonly<Record<string, unknown>>[];
}

/** The JSON export: the bundle, with a note on what it is. */
export function exportJson(bundle: MemberDataBundle): string {
  return `${JSON.stringify(
    {
      about:
        'Cópia dos seus dados pessoais mantidos por esta unidade (LGPD, art. 18). / A copy of your personal data held by this unit.',
      ...bundle,
    },
    null,
    2,
  )}\n`;
}

function cell(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  // Quote every cell; neutralise spreadsheet formulas (=, +, -, @ at the start).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The CSV export: one row per fact, `section,record,field,value`, so any spreadsheet opens it. */
export function exportCsv(bundle: MemberDataBundle): string {
  const rows: string[] = [['section', 'record', 'field', 'value'].map(cell).join(',')];
  const add = (section: string, record: string, object: Readonly<Record<string, unknown>>) => {
    for (const [field, value] of Object.entries(object))
      rows.push([section, record, field, value].map(cell).join(','));
  };
  add('member', '1', bundle.member);
  for (const [section, list] of [
    ['membership', bundle.memberships],
    ['payment', bundle.payments],
    ['booking', bundle.bookings],
    ['checkin', bundle.checkins],
  ] as const) {
    for (const [index, record] of list.entries()) add(section, String(index + 1), record);
  }
  return `${rows.join('\r\n')}\r\n`;
}
