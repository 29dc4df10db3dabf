/** Text clean-up shared by the classifier, the entity extractors and retrieval. */

/** Longest message the engine reads; the rest is ignored (the API refuses far larger bodies anyway). */
export const MAX_TEXT_CHARS = 1000;

export type Locale = 'pt-BR' | 'en';

/**
 * Makes text safe to read: Unicode NFKC, no control or format characters, no markup, whitespace
 * collapsed, at most {@link MAX_TEXT_CHARS} characters. What a reply may echo back.
 */
export function sanitize(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu, ' ')
    .replace(/<[^>]{0,200}>/g, ' ')
    .replace(/[<>{}`\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_TEXT_CHARS);
}

/** Lower case, accents removed, punctuation to spaces: "Amanhã às 7h!" → "amanha as 7h". */
export function fold(text: string): string {
  return sanitize(text)
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9:/\s]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words of folded text. */
export function words(folded: string): string[] {
  return folded.length === 0 ? [] : folded.split(' ');
}

const PT_MARKERS = new Set(
  'o a os as um uma de do da dos das no na nos nas que nao sim pra para com meu minha voce vc quero tem qual quais como quando onde amanha hoje aula aulas treino academia obrigado obrigada oi ola tchau me eu e é ta to posso devo preciso horas horario plano'.split(
    ' ',
  ),
);
const EN_MARKERS = new Set(
  'the an of to in on at my me i you is are do does what which how when where tomorrow today class classes workout gym thanks thank hi hello bye yes no can could should want please book cancel open close plan'.split(
    ' ',
  ),
);

/** Which language a message is most likely in; ties go to `fallback` (the unit's default, pt-BR). */
export function detectLocale(folded: string, fallback: Locale = 'pt-BR'): Locale {
  let pt = 0;
  let en = 0;
  for (const word of words(folded)) {
    if (PT_MARKERS.has(word)) pt += 1;
    if (EN_MARKERS.has(word)) en += 1;
  }
  if (en > pt) return 'en';
  if (pt > en) return 'pt-BR';
  return fallback;
}

const ROW_A = new Int32Array(128);
const ROW_B = new Int32Array(128);

/** Levenshtein distance with an early exit above `max` (returns max + 1 then). Allocation-free. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length >= 127 || b.length >= 127) return a === b ? 0 : max + 1;
  let previous = ROW_A;
  let current = ROW_B;
  for (let j = 0; j <= b.length; j += 1) previous[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    let best = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j += 1) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current[j] = value;
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    const swap = previous;
    previous = current;
    current = swap;
  }
  return previous[b.length] ?? max + 1;
}

/** Whether `word` is `target` give or take a typo (one edit from 4 letters, two from 8). */
export function nearWord(word: string, target: string): boolean {
  if (word === target) return true;
  if (target.length < 4 || word.length < 3) return false;
  const allowed = target.length >= 8 ? 2 : 1;
  return editDistance(word, target, allowed) <= allowed;
}
