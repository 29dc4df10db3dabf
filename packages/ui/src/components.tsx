import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from './i18n.ts';
import { type Reachability, useReachable } from './reachability.ts';
import { SyncIndicator } from './sync-indicator.tsx';

/** Props of {@link Layout}. */
export interface LayoutProps {
  readonly title: ReactNode;
  /** Shown at the right of the header, before the status and the language toggle. */
  readonly actions?: ReactNode;
  /** Left navigation (staff console). */
  readonly nav?: ReactNode;
  readonly reachability?: Reachability;
  readonly children: ReactNode;
  /** `kiosk` makes everything larger for a touchscreen. */
  readonly variant?: 'kiosk' | 'console';
  /** Show the unit's link to HQ beside the offline indicator (default: whenever `reachability` is given). */
  readonly syncIndicator?: boolean;
}

/** The page frame: header (title, actions, offline indicator, language), optional nav, content. */
export function Layout({
  title,
  actions,
  nav,
  reachability,
  children,
  variant = 'console',
  syncIndicator = reachability !== undefined,
}: LayoutProps) {
  return (
    <div className={`ge-app ge-${variant}`}>
      <header className="ge-header">
        <h1 className="ge-title">{title}</h1>
        <div className="ge-header-actions">
          {actions}
          {syncIndicator ? <SyncIndicator /> : null}
          {reachability ? <StatusIndicator reachability={reachability} /> : null}
          <LanguageToggle />
        </div>
      </header>
      <div className="ge-body">
        {nav ? <nav className="ge-nav">{nav}</nav> : null}
        <main className="ge-main">{children}</main>
      </div>
    </div>
  );
}

/** Props of {@link Button}. */
export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  readonly variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  /** `large` is at least 64 px high, for touch. */
  readonly size?: 'normal' | 'large';
  readonly busy?: boolean;
}

/** A button with touch-sized targets (44 px minimum, 64 px when large) and a busy state. */
export function Button({
  variant = 'primary',
  size = 'normal',
  busy,
  className,
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      disabled={rest.disabled || busy}
      aria-busy={busy || undefined}
      className={`ge-button ge-${variant} ge-${size} ${className ?? ''}`}
    >
      {children}
    </button>
  );
}

/** A column of {@link Table}. */
export interface Column<Row> {
  readonly key: string;
  readonly header: ReactNode;
  readonly cell: (row: Row) => ReactNode;
  readonly align?: 'left' | 'right' | 'center';
}

/** Props of {@link Table}. */
export interface TableProps<Row> {
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  readonly empty?: ReactNode;
  readonly onRowClick?: (row: Row) => void;
  readonly label?: string;
}

/** A plain data table; rows are clickable when `onRowClick` is given. */
export function Table<Row>({ columns, rows, rowKey, empty, onRowClick, label }: TableProps<Row>) {
  const { t } = useTranslation('ui');
  return (
    <table className="ge-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.key} style={{ textAlign: column.align ?? 'left' }}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length} className="ge-empty">
              {empty ?? t('empty')}
            </td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr
              key={rowKey(row)}
              className={onRowClick ? 'ge-clickable' : undefined}
              onClick={onRowClick ? () => onRowClick(row) : undefined}
            >
              {columns.map((column) => (
                <td key={column.key} style={{ textAlign: column.align ?? 'left' }}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** A quiet dot plus words: green when the unit answers, amber while it does not. */
export function StatusIndicator({ reachability }: { readonly reachability: Reachability }) {
  const { t } = useTranslation('ui');
  const reachable = useReachable(reachability);
  return (
    <output className={`ge-status ${reachable ? 'ge-online' : 'ge-offline'}`} data-testid="status-indicator">
      <span className="ge-dot" aria-hidden="true" />
      <span className="ge-status-text">{reachable ? t('online') : t('offline')}</span>
    </output>
  );
}

/** Switches between pt-BR and en; the choice is remembered per screen. */
export function LanguageToggle() {
  const { t, i18n } = useTranslation('ui');
  const next: Language = i18n.language === 'en' ? 'pt-BR' : 'en';
  return (
    <button
      type="button"
      className="ge-button ge-ghost ge-normal ge-lang"
      data-testid="language-toggle"
      aria-label={`${t('language')}: ${t('switchTo')}`}
      lang={next}
      onClick={() => void i18n.changeLanguage(next)}
    >
      {LANGUAGES.includes(next) ? t('switchTo') : next}
    </button>
  );
}

/** Props of {@link ProblemBanner}. */
export interface ProblemBannerProps {
  /** The error to show; nothing is rendered when absent. */
  readonly error: unknown;
  readonly onRetry?: () => void;
  readonly onDismiss?: () => void;
}

/** Shows what went wrong in words (the API's problem detail), with retry and dismiss. */
export function ProblemBanner({ error, onRetry, onDismiss }: ProblemBannerProps) {
  const { t } = useTranslation('ui');
  if (error === undefined || error === null) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="ge-problem" role="alert">
      <strong>{t('problem')}:</strong> <span>{message}</span>
      <span className="ge-problem-actions">
        {onRetry ? (
          <Button variant="secondary" onClick={onRetry}>
            {t('retry')}
          </Button>
        ) : null}
        {onDismiss ? (
          <Button variant="ghost" onClick={onDismiss}>
            {t('dismiss')}
          </Button>
        ) : null}
      </span>
    </div>
  );
}

/** A labelled form field. */
export function Field({ label, error, children }: { label: ReactNode; error?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child
    <label className={`ge-field ${error ? 'ge-field-error' : ''}`}>
      <span className="ge-field-label">{label}</span>
      {children}
      {error ? <span className="ge-field-message">{error}</span> : null}
    </label>
  );
}

/** Props of {@link Keypad}. */
export interface KeypadProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly onSubmit: () => void;
  readonly submitLabel: ReactNode;
  readonly clearLabel: ReactNode;
  readonly maxLength?: number;
}

/** An on-screen numeric keypad for touchscreens (no keyboard assumed). */
export function Keypad({ value, onChange, onSubmit, submitLabel, clearLabel, maxLength = 14 }: KeypadProps) {
  const press = (digit: string) => {
    if (value.length < maxLength) onChange(value + digit);
  };
  return (
    <div className="ge-keypad" data-testid="keypad">
      <output className="ge-keypad-display" data-testid="keypad-display">
        {value || '\u00a0'}
      </output>
      <div className="ge-keypad-grid">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => (
          <Button key={digit} variant="secondary" size="large" onClick={() => press(digit)} data-key={digit}>
            {digit}
          </Button>
        ))}
        <Button
          variant="ghost"
          size="large"
          onClick={() => onChange(value.slice(0, -1))}
          data-key="back"
          aria-label="⌫"
        >
          ⌫
        </Button>
        <Button variant="secondary" size="large" onClick={() => press('0')} data-key="0">
          0
        </Button>
        <Button variant="ghost" size="large" onClick={() => onChange('')} data-key="clear">
          {clearLabel}
        </Button>
      </div>
      <Button
        size="large"
        onClick={onSubmit}
        disabled={value.length === 0}
        data-key="submit"
        className="ge-wide"
      >
        {submitLabel}
      </Button>
    </div>
  );
}
