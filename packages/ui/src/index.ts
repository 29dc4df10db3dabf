export {
  ApiClient,
  type ApiClientOptions,
  ApiError,
  type CallOptions,
  type FieldProblem,
  type Parser,
  type ProblemDetails,
  problemMessage,
} from './api.ts';
export { Chart, type ChartProps } from './chart.tsx';
export {
  Button,
  type ButtonProps,
  type Column,
  Field,
  Keypad,
  type KeypadProps,
  LanguageToggle,
  Layout,
  type LayoutProps,
  ProblemBanner,
  type ProblemBannerProps,
  StatusIndicator,
  Table,
  type TableProps,
} from './components.tsx';
export { type AsyncState, useAsync, useIdle } from './hooks.ts';
export {
  createI18n,
  DEFAULT_LANGUAGE,
  formatMoney,
  initialLanguage,
  LANGUAGES,
  type Language,
  type ScreenI18nOptions,
  UI_RESOURCES,
} from './i18n.ts';
export { mountScreen } from './mount.tsx';
export { createReachability, type Reachability, useReachable } from './reachability.ts';
export { createSession, type Session, type SessionOptions, type SignedIn } from './session.ts';
export { SignInForm, type SignInFormProps, type SignInTestIds } from './sign-in.tsx';
export { SyncIndicator, type SyncIndicatorProps } from './sync-indicator.tsx';
