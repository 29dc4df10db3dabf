import { formatMoney } from '@gymedge/ui';
import { useTranslation } from 'react-i18next';

/** Money, dates and times in the staff's language and the unit's zone. */
export function useFormat(timeZone = 'America/Sao_Paulo') {
  const { i18n } = useTranslation();
  const when = new Intl.DateTimeFormat(i18n.language, {
    weekday: 'short',
    day: '2-digit',
    month: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  });
  const date = new Intl.DateTimeFormat(i18n.language, {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: 'UTC',
  });
  return {
    money: (cents: number) => formatMoney(cents, i18n.language),
    when: (iso: string) => when.format(new Date(iso)),
    date: (isoDate?: string) => (isoDate ? date.format(new Date(`${isoDate.slice(0, 10)}T12:00:00Z`)) : '—'),
  };
}
