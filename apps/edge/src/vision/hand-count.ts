/**
 * The careful hand count of vtest.avi (docs/vision.md): frames extracted with ffmpeg and looked at one by
 * one. `people` counts everyone whose body is visible (even partly hidden behind another person or the
 * sign post); `edge` counts people cut by the frame border (a leg or an arm), which either answer may
 * fairly include.
 */
export const VTEST_HAND_COUNT: readonly {
  readonly frame: number;
  readonly people: number;
  readonly edge: number;
}[] = [
  { frame: 50, people: 6, edge: 0 },
  { frame: 130, people: 8, edge: 1 },
  { frame: 210, people: 6, edge: 1 },
  { frame: 290, people: 6, edge: 0 },
  { frame: 370, people: 5, edge: 0 },
  { frame: 450, people: 3, edge: 0 },
  { frame: 530, people: 6, edge: 0 },
  { frame: 610, people: 7, edge: 0 },
  { frame: 690, people: 7, edge: 1 },
  { frame: 770, people: 7, edge: 0 },
];

/** Distance from the hand count: 0 when the answer is between people and people + edge. */
export function handCountError(
  counted: number,
  hand: { readonly people: number; readonly edge: number },
): number {
  if (counted < hand.people) return counted - hand.people;
  if (counted > hand.people + hand.edge) return counted - hand.people - hand.edge;
  return 0;
}
