import i18next, { type i18n as I18n, type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';

/** The languages every screen speaks; pt-BR is the default. */
export const LANGUAGES = ['pt-BR', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'pt-BR';

/** The strings of the shared components (namespace `ui`). */
export const UI_RESOURCES = {
  'pt-BR': {
    ui: {
      online: 'Conectado à unidade',
      syncTitle: 'Sincronização com a matriz',
      syncOk: 'Matriz: em dia',
      syncSending_one: 'Matriz: enviando {{pending}} alteração',
      syncSending_other: 'Matriz: enviando {{pending}} alterações',
      syncOffline_one: 'Matriz: sem conexão, {{pending}} alteração guardada aqui',
      syncOffline_other: 'Matriz: sem conexão, {{pending}} alterações guardadas aqui',
      syncLast: 'última às {{time}}',
      syncNotConfigured: 'Matriz: não configurada',
      offline: 'Sem conexão com a unidade; tentando de novo…',
      language: 'Idioma',
      languageName: 'Português',
      switchTo: 'English',
      retry: 'Tentar de novo',
      dismiss: 'Fechar',
      loading: 'Carregando…',
      empty: 'Nada por aqui.',
      problem: 'Algo deu errado',
      signIn: 'Entrar',
      signOut: 'Sair',
      login: 'Usuário',
      password: 'Senha',
      cancel: 'Cancelar',
      save: 'Salvar',
    },
  },
  en: {
    ui: {
      online: 'Connected to the unit',
      syncTitle: 'Sync with HQ',
      syncOk: 'HQ: in sync',
      syncSending_one: 'HQ: sending {{pending}} change',
      syncSending_other: 'HQ: sending {{pending}} changes',
      syncOffline_one: 'HQ: offline, {{pending}} change kept here',
      syncOffline_other: 'HQ: offline, {{pending}} changes kept here',
      syncLast: 'last at {{time}}',
      syncNotConfigured: 'HQ: not configured',
      offline: 'No connection to the unit; retrying…',
      language: 'Language',
      languageName: 'English',
      switchTo: 'Português',
      retry: 'Try again',
      dismiss: 'Close',
      loading: 'Loading…',
      empty: 'Nothing here.',
      problem: 'Something went wrong',
      signIn: 'Sign in',
      signOut: 'Sign out',
      login: 'Login',
      password: 'Password',
      cancel: 'Cancel',
      save: 'Save',
    },
  },
} as const;

/** Options of {@link createI18n}. */
export interface ScreenI18nOptions {
  /** The screen's own namespace, e.g. `kiosk`; it becomes the default namespace. */
  readonly namespace: string;
  /** The screen's strings per language: `{ 'pt-BR': {...}, en: {...} }`. */
  readonly resources: Readonly<Record<Language, Record<string, unknown>>>;
  /** Where the chosen language is remembered (localStorage key); default `gymedge.lang.<namespace>`. */
  readonly storageKey?: string;
}

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language to start in: `?lang=`, then the remembered choice, then pt-BR. */
export function initialLanguage(storageKey: string): Language {
  const fromUrl = new URLSearchParams(globalThis.location?.search ?? '').get('lang');
  if (isLanguage(fromUrl)) return fromUrl;
  try {
    const stored = globalThis.localStorage?.getItem(storageKey);
    if (isLanguage(stored)) return stored;
  } catch {
    // storage may be disabled; the default is fine
  }
  return DEFAULT_LANGUAGE;
}

/** One i18next instance per screen with the shared `ui` namespace and the screen's own. */
export function createI18n(options: ScreenI18nOptions): I18n {
  const storageKey = options.storageKey ?? `gymedge.lang.${options.namespace}`;
  const resources: Resource = {};
  for (const language of LANGUAGES) {
    resources[language] = { ...UI_RESOURCES[language], [options.namespace]: options.resources[language] };
  }
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources,
    lng: initialLanguage(storageKey),
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    ns: ['ui', options.namespace],
    defaultNS: options.namespace,
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  instance.on('languageChanged', (language) => {
    try {
      globalThis.localStorage?.setItem(storageKey, language);
    } catch {
      // not remembered; still switched
    }
    if (globalThis.document) globalThis.document.documentElement.lang = language;
  });
  if (globalThis.document) globalThis.document.documentElement.lang = instance.language;
  return instance;
}

/** Formats BRL cents for a person, in the current language. */
export function formatMoney(cents: number, language: string): string {
  return new Intl.NumberFormat(language, { style: 'currency', currency: 'BRL' }).format(cents / 100);
}
