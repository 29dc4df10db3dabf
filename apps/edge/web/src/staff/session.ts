import { createSession } from '@gymedge/ui';

/** Listeners told when the session ends (token expired, signed out): the app shows the sign-in form. */
const signedOut = new Set<() => void>();

export const session = createSession({
  storageKey: 'gymedge.staff.session',
  onSignedOut: () => {
    for (const listener of signedOut) listener();
  },
});

export function onSignedOut(listener: () => void): () => void {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
}

export const api = session.api;

/** Downloads a text answer of the API (CSV, JSON) as a file. */
export async function download(path: string, name: string): Promise<void> {
  const body = await api.text(path);
  const url = URL.createObjectURL(
    new Blob([body], { type: name.endsWith('.csv') ? 'text/csv' : 'application/json' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
