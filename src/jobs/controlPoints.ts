// Control points: act on a job right after a chosen step (pause, stop, cancel, lose the GPU
// device), so tests reach a mid-way state deterministically instead of polling and racing the job.
import type { JobKind } from './types';

export type ControlAction = 'pause' | 'stop' | 'cancel' | 'lose-device';

/** `at`: the n-th step of the job (counted from the point being armed), or a test on the step's new state. */
export type ControlAt = number | ((state: unknown) => boolean);

export interface ControlPoints<A extends ControlAction = ControlAction> {
  /** Arms one point: the next job of `kind` gets `action` after the step that matches `at`. */
  after(kind: string, at: ControlAt, action: A): void;
  /** `kind` with every step checked against the point armed for it. */
  wrap<K extends JobKind>(kind: K): K;
}

/** Points that call `act(action, jobId)` when they fire; each fires once. */
export function createControlPoints<A extends ControlAction>(act: (action: A, jobId: string) => Promise<void> | void): ControlPoints<A> {
  const armed = new Map<string, { at: ControlAt; action: A; counts: Map<string, number> }>();
  return {
    after(kind, at, action) {
      armed.set(kind, { at, action, counts: new Map() });
    },
    wrap(kind) {
      return {
        ...kind,
        async step(prev, params, ctx) {
          const r = await kind.step(prev, params, ctx);
          const point = armed.get(kind.kind);
          if (point) {
            const n = (point.counts.get(ctx.jobId) ?? 0) + 1;
            point.counts.set(ctx.jobId, n);
            if (typeof point.at === 'number' ? point.at === n : point.at(r.state)) {
              armed.delete(kind.kind);
              await act(point.action, ctx.jobId);
            }
          }
          return r;
        },
      };
    },
  };
}
