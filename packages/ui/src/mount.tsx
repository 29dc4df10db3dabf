import type { i18n as I18n } from 'i18next';
import { type ReactNode, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';

/** Renders a screen into `#root` with its i18n instance. */
export function mountScreen(i18n: I18n, screen: ReactNode, elementId = 'root'): void {
  const element = document.getElementById(elementId);
  if (!element) throw new Error(`#${elementId} is missing from the page`);
  createRoot(element).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>{screen}</I18nextProvider>
    </StrictMode>,
  );
}
