// Learning-rate and sparsity-coefficient schedules, evaluated on the host once per step.
import type { SaeConfig } from './config';

/** LR at 0-based `step`: linear warm-up, then constant / linear / cosine decay to lr·lrEndFraction. */
export function lrAt(c: SaeConfig, step: number): number {
  if (c.lrWarmupSteps > 0 && step < c.lrWarmupSteps) return (c.lr * (step + 1)) / c.lrWarmupSteps;
  if (c.lrDecay === 'constant') return c.lr;
  const span = Math.max(1, c.totalSteps - c.lrWarmupSteps);
  const p = Math.min(1, Math.max(0, (step - c.lrWarmupSteps) / span));
  const end = c.lr * c.lrEndFraction;
  if (c.lrDecay === 'linear') return c.lr + (end - c.lr) * p;
  return end + (c.lr - end) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/** Sparsity (L1 / L0) coefficient at 0-based `step`, ramped linearly over sparsityWarmupSteps. */
export function sparsityCoefAt(c: SaeConfig, step: number): number {
  if (c.sparsityWarmupSteps > 0 && step < c.sparsityWarmupSteps) return (c.sparsityCoefficient * (step + 1)) / c.sparsityWarmupSteps;
  return c.sparsityCoefficient;
}
