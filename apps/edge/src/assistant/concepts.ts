import { BODY_PARTS, CONCEPTS, EXERCISES, GOALS, LEVELS, type Lexicon, matchLexicon } from './lexicon.ts';

/** Class names every unit of the chain teaches, folded; a unit's own timetable adds its names. */
export const DEFAULT_CLASS_NAMES: Lexicon = {
  spinning: ['spinning', 'spin', 'bike indoor'],
  yoga: ['yoga', 'ioga'],
  'pilates solo': ['pilates', 'pilates solo'],
  funcional: ['funcional', 'functional', 'treino funcional'],
  zumba: ['zumba'],
  'musculacao guiada': ['musculacao guiada', 'guided weights'],
  hiit: ['hiit'],
  alongamento: ['alongamento', 'stretching', 'stretch'],
  jump: ['jump'],
  'muay thai': ['muay thai', 'muaythai', 'muay'],
  ritmos: ['ritmos', 'danca', 'dance'],
};

/** The concept tags of a message: the {@link CONCEPTS} it mentions, and whether it names an exercise, body part, goal, level or class. */
export function conceptsOf(text: string, classNames: Lexicon = DEFAULT_CLASS_NAMES): string[] {
  const tags = new Set(matchLexicon(text, CONCEPTS).map((m) => m.value));
  if (matchLexicon(text, EXERCISES).length > 0) tags.add('exercise');
  if (matchLexicon(text, BODY_PARTS, false).length > 0) tags.add('body');
  if (matchLexicon(text, GOALS).length > 0) tags.add('goal');
  if (matchLexicon(text, LEVELS).length > 0) tags.add('level');
  if (matchLexicon(text, classNames).length > 0) tags.add('class');
  return [...tags];
}
