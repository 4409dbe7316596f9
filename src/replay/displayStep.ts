// The displayStep model shared by every panel of a run view: "live" (follow the newest stored step)
// or one fixed step, parsed from and written to the `?step=` of `/runs/:id`, clamped to the run.

/** Live follows the newest stored step; a number pins every panel to that step. */
export type DisplayStep = 'live' | number;

export interface ParsedStep {
  requested: DisplayStep;
  /** Set when `?step=` is not a step number; the view then stays live. */
  error?: string;
}

/** `?step=` → the requested display step; absent or "live" is live. */
export function parseStepParam(raw: string | undefined): ParsedStep {
  if (raw === undefined || raw === '' || raw === 'live') return { requested: 'live' };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    return { requested: 'live', error: `"?step=${raw}" is not a step number: use a whole number ≥ 0 (or leave it out to follow the run live).` };
  }
  return { requested: n };
}

export interface ResolvedStep {
  /** The step every panel shows (0 before the first metric row). */
  step: number;
  live: boolean;
  /** Why the requested step could not be shown as asked. */
  message?: string;
}

/**
 * The step to show for `requested` in a run whose stored rows span [first, last] (last = 0 when
 * none): a step past the newest row is clamped to it, a step before the first row to the first.
 */
export function resolveStep(requested: DisplayStep, first: number, last: number): ResolvedStep {
  if (requested === 'live') return { step: last, live: true };
  if (last === 0) return { step: 0, live: false, message: `Step ${requested} cannot be shown yet: this run has no stored steps.` };
  if (requested > last) {
    return { step: last, live: false, message: `Step ${requested} is beyond this run, which has steps ${first}–${last} stored; showing step ${last}.` };
  }
  if (requested < first) {
    return { step: first, live: false, message: `Step ${requested} is before this run's first stored step; showing step ${first}.` };
  }
  return { step: requested, live: false };
}

export interface StepBounds {
  first: number;
  last: number;
  /** Steps of the run's checkpoints, ascending. */
  checkpoints: number[];
}

/**
 * The step a key moves to from `step`: ←/→ ±1 step, with Shift the previous/next checkpoint,
 * Home/End the first/last step; undefined for any other key.
 */
export function stepForKey(step: number, key: string, shift: boolean, b: StepBounds): number | undefined {
  const clamp = (s: number) => Math.min(b.last, Math.max(b.first, s));
  switch (key) {
    case 'ArrowLeft':
      if (!shift) return clamp(step - 1);
      return clamp([...b.checkpoints].reverse().find((c) => c < step) ?? b.first);
    case 'ArrowRight':
      if (!shift) return clamp(step + 1);
      return clamp(b.checkpoints.find((c) => c > step) ?? b.last);
    case 'Home':
      return b.first;
    case 'End':
      return b.last;
    default:
      return undefined;
  }
}
