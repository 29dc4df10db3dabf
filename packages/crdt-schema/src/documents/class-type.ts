import { z } from 'zod';
import { envelope, Label, Note } from '../common.ts';

/** A kind of class in the chain's catalogue: Spinning, Yoga, Funcional. */
export const ClassTypeDoc = z.strictObject({
  ...envelope('classType', 1),
  name: Label(80),
  description: Note(500).optional(),
  category: z.enum(['cardio', 'strength', 'mind_body', 'dance', 'aquatic', 'combat', 'other']),
  durationMin: z.number().int().min(10).max(240),
  defaultCapacity: z.number().int().min(1).max(500),
  intensity: z.enum(['low', 'medium', 'high']),
});
export type ClassTypeDoc = z.infer<typeof ClassTypeDoc>;
