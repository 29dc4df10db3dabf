import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** What the indicator reads of the unit's public `/health` (its `sync` part). */
interface SyncHealth {
  readonly state: 'not_configured' | 'connected' | 'disconnected';
  readonly pendingChanges: number;
  readonly lastSyncAt?: string;
}

function readSync(value: unknown): SyncHealth | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const sync: unknown = Reflect.get(value, 'sync');
  if (typeof sync !== 'object' || sync === null) return undefined;
  const state: unknown = Reflect.get(sync, 'state');
  const pending: unknown = Reflect.get(sync, 'pendingChanges');
  const last: unknown = Reflect.get(sync, 'lastSyncAt');
  if (state !== 'not_configured' && state !== 'connected' && state !== 'disconnected') return undefined;
  return {
    state,
    pendingChanges: typeof pending === 'number' ? pending : 0,
    ...(typeof last === 'string' ? { lastSyncAt: last } : {}),
  };
}

/** Props of {@link SyncIndicator}. */
export interface SyncIndicatorProps {
  /** Where the unit's health is; default `/health` of the page's own unit. */
  readonly healthUrl?: string;
  readonly intervalMs?: number;
}

/**
 * The unit's link to HQ in a few words: in sync, sending N changes, or offline with N changes kept
 * here (and when it last synced). A gym works without HQ, so this is information, never an error.
 */
export function SyncIndicator({ healthUrl = '/health', intervalMs = 5000 }: SyncIndicatorProps) {
  const { t, i18n } = useTranslation('ui');
  const [sync, setSync] = useState<SyncHealth | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const load = () => {
      fetch(healthUrl, { cache: 'no-store' })
        .then((response) => response.json())
        .then((body: unknown) => {
          if (!stopped) setSync(readSync(body));
        })
        .catch(() => undefined);
    };
    load();
    const timer = setInterval(load, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [healthUrl, intervalMs]);
  if (sync === undefined) return null;
  const pending = sync.pendingChanges.toLocaleString(i18n.language);
  const last =
    sync.lastSyncAt === undefined
      ? ''
      : ` · ${t('syncLast', { time: new Date(sync.lastSyncAt).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }) })}`;
  const text =
    sync.state === 'not_configured'
      ? t('syncNotConfigured')
      : sync.state === 'disconnected'
        ? `${t('syncOffline', { count: sync.pendingChanges, pending })}${last}`
        : sync.pendingChanges > 0
          ? t('syncSending', { count: sync.pendingChanges, pending })
          : t('syncOk');
  const calm = sync.state === 'connected' && sync.pendingChanges === 0;
  return (
    <output
      className={`ge-status ge-sync ${calm ? '' : 'ge-offline'}`}
      data-testid="sync-indicator"
      data-state={sync.state}
      title={t('syncTitle')}
    >
      <span className="ge-dot" aria-hidden="true" />
      <span>{text}</span>
    </output>
  );
}
