import { ApiError, Button, ProblemBanner } from '@gymedge/ui';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from './session.ts';

/** Splits CSV text into rows of cells (quotes, doubled quotes, commas or semicolons, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const delimiter = (text.split('\n')[0] ?? '').includes(';') ? ';' : ',';
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((value) => value.trim() !== '')) rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  row.push(cell);
  if (row.some((value) => value.trim() !== '')) rows.push(row);
  return rows;
}

const COLUMNS: Record<string, string> = {
  name: 'name',
  nome: 'name',
  email: 'email',
  phone: 'phone',
  telefone: 'phone',
  cpf: 'document',
  document: 'document',
};

/** CSV import of members (row by row through the API, with progress) and CSV exports. */
export function TransferView() {
  const { t } = useTranslation();
  const [progress, setProgress] = useState<{ done: number; total: number; ok: number; failed: string[] }>();
  const [error, setError] = useState<unknown>();
  const importFile = async (file: File) => {
    setError(undefined);
    const [header, ...rows] = parseCsv(await file.text());
    const keys = (header ?? []).map((name) => COLUMNS[name.trim().toLowerCase()]);
    const state = { done: 0, total: rows.length, ok: 0, failed: [] as string[] };
    setProgress({ ...state });
    for (const [index, row] of rows.entries()) {
      const body: Record<string, string> = {};
      keys.forEach((key, column) => {
        const value = row[column]?.trim();
        if (key && value) body[key] = value;
      });
      try {
        await api.post('/api/v1/members', body);
        state.ok++;
      } catch (failure) {
        state.failed.push(`${index + 2}: ${failure instanceof ApiError ? failure.message : String(failure)}`);
        if (failure instanceof ApiError && failure.unreachable) {
          setError(failure);
          break;
        }
      }
      state.done++;
      if (state.done % 5 === 0 || state.done === state.total)
        setProgress({ ...state, failed: [...state.failed] });
    }
    setProgress({ ...state, failed: [...state.failed] });
  };
  return (
    <section>
      <div className="ge-card">
        <h2>{t('importTitle')}</h2>
        <p className="ge-muted">{t('importHint')}</p>
        <ProblemBanner error={error} />
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="import-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void importFile(file);
          }}
        />
        {progress ? (
          <div style={{ marginTop: 12 }} data-testid="import-progress">
            <progress className="staff-progress" max={progress.total} value={progress.done} />
            <p>
              {progress.done < progress.total
                ? t('importing', { done: progress.done, total: progress.total })
                : t('imported', { ok: progress.ok, failed: progress.failed.length })}
            </p>
            {progress.failed.length > 0 ? (
              <ul className="ge-muted">
                {progress.failed.slice(0, 20).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="ge-card">
        <h2>{t('exportTitle')}</h2>
        <div className="staff-actions">
          <Button
            variant="secondary"
            onClick={() => void download('/api/v1/exports/members.csv', 'membros.csv').catch(setError)}
          >
            {t('exportMembers')}
          </Button>
          <Button
            variant="secondary"
            onClick={() => void download('/api/v1/exports/payments.csv', 'pagamentos.csv').catch(setError)}
          >
            {t('exportPayments')}
          </Button>
        </div>
      </div>
    </section>
  );
}
