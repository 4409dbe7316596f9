// Training form: every bad field gets a message naming what is allowed; good forms pass; the
// "SAELens defaults" choice reaches the run config, and older templates still load.
import { describe, expect, it } from 'vitest';
import { validateTemplateBody } from '../../storage/templates';
import { DEAD_WINDOW_DEFAULT, DEFAULT_FORM, estimateMemory, fieldLabel, suggestRunName, toParams, validateForm, type TrainForm } from './form';

const form = (patch: Partial<TrainForm>): TrainForm => ({ ...DEFAULT_FORM, ...patch });

describe('training form', () => {
  it('accepts the defaults and turns them into job parameters', () => {
    expect(validateForm(DEFAULT_FORM)).toEqual({});
    const p = toParams(DEFAULT_FORM, 'run_1');
    expect(p.config).toMatchObject({ arch: 'topk', dIn: 64, dSae: 512, k: 8, batchSize: 256 });
    expect(p.source).toMatchObject({ type: 'synthetic', nFeatures: 512 });
  });

  const cases: [string, Partial<TrainForm>, keyof TrainForm | 'form', RegExp][] = [
    ['k above d_sae', { k: 600 }, 'k', /^k \(active per token\) must be ≤ d_sae \(512\), got 600\.$/],
    ['k of zero', { k: 0 }, 'k', /positive integer/],
    ['negative learning rate', { lr: -1 }, 'lr', /^Learning rate must be > 0, got -1\.$/],
    ['empty name', { name: '  ' }, 'name', /name/],
    ['fractional steps', { totalSteps: 2.5 }, 'totalSteps', /whole number/],
    ['zero checkpoint interval', { checkpointEvery: 0 }, 'checkpointEvery', /whole number ≥ 1/],
    ['bad expansion', { sizeMode: 'expansion', expansion: 0 }, 'expansion', /> 0/],
    ['sparsity above the feature count', { sparsity: 1000 }, 'sparsity', /\(0, 512\]/],
    ['an activation source without a set', { sourceType: 'activations', setId: '' }, 'setId', /Choose an activation set/],
    ['live extraction without a model', { sourceType: 'live', liveModelId: '' }, 'liveModelId', /Choose a model/],
    ['live extraction without text', { sourceType: 'live', liveModelId: 'm', liveHook: 'blocks.0.hook_resid_post', liveText: ' ' }, 'liveText', /text to extract/],
  ];
  for (const [name, patch, field, message] of cases) {
    it(`rejects ${name} on the ${field} field`, () => {
      expect(validateForm(form(patch))[field]).toMatch(message);
    });
  }

  it('persists "SAELens defaults" in the run config: clipping at 1.0, AuxK coefficient 1, a window in steps, β1 0', () => {
    const f = form({ conventions: 'saelens', deadFeatureWindow: DEAD_WINDOW_DEFAULT.saelens });
    expect(validateForm(f)).toEqual({});
    expect(fieldLabel(f, 'deadFeatureWindow')).toBe('Dead-feature window (steps)');
    expect(toParams(f, 'run_1').config).toMatchObject({ conventions: 'saelens', gradClipNorm: 1, auxCoefficient: 1, beta1: 0, deadFeatureWindow: 1000, deadFeatureWindowUnit: 'steps' });
    expect(toParams(DEFAULT_FORM, 'run_2').config).toMatchObject({ conventions: 'lantern', gradClipNorm: 0, auxCoefficient: 1 / 32, deadFeatureWindowUnit: 'tokens' });
  });

  it('rejects a steps window that overflows the token counters, and unknown trainer defaults', () => {
    expect(validateForm(form({ conventions: 'saelens', deadFeatureWindow: 10_000_000 })).deadFeatureWindow).toMatch(/^Dead-feature window \(steps\) must be below 2\^31 tokens \(\(window \+ 1\) × the batch = 2560000256\)\.$/);
    expect(validateForm(form({ conventions: 'torch' as never })).conventions).toMatch(/^Trainer defaults must be one of lantern, saelens, got "torch"\.$/);
  });

  it('loads a training template saved before the choice existed as Lantern defaults', () => {
    const { conventions: _dropped, ...older } = DEFAULT_FORM;
    expect(validateTemplateBody('training', older).conventions).toBe('lantern');
    expect(() => validateTemplateBody('training', { ...DEFAULT_FORM, conventions: 'torch' })).toThrow(/"conventions" must be one of lantern, saelens/);
  });

  it('names d_sae when even the most shards cannot hold the latents', () => {
    const errors = validateForm(form({ dSae: 1 << 20 }), { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 28 });
    expect(errors.dSae).toMatch(/^d_sae \(latents\) needs .* shards .* at most 64; lower d_sae or the batch\.$/);
  });

  it('accepts latents beyond one binding and says how they are sharded', () => {
    const limits = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 28 };
    const f = form({ dIn: 64, dSae: 4096, batchSize: 256, arch: 'topk' });
    expect(validateForm(f, limits).dSae).toBeUndefined();
    const m = estimateMemory(f, limits);
    expect(m.shards).toBe(8);
    expect(m.largestBufferBytes).toBeLessThanOrEqual(limits.maxStorageBufferBindingSize);
  });

  it('names fields in messages by their form labels, never by engine names', () => {
    const errors = validateForm(form({ k: 0, lr: 0, dSae: 4, batchSize: 0, deadFeatureWindow: -1 }));
    for (const message of Object.values(errors)) expect(message).not.toMatch(/\b(dSae|dIn|batchSize|lr|deadFeatureWindow):/);
    expect(errors.deadFeatureWindow).toMatch(/^Dead-feature window \(tokens\) must/);
  });

  it('suggests a run name from the architecture and the source', () => {
    expect(suggestRunName(DEFAULT_FORM)).toBe('topk-synthetic');
    expect(suggestRunName(form({ arch: 'relu', sourceType: 'live' }))).toBe('relu-live');
    const live = form({ sourceType: 'live', liveModelId: 'm', liveHook: 'blocks.1.hook_resid_post' });
    expect(suggestRunName(live, { model: 'lantern-fixtures/tiny-gpt2', hook: 'blocks.1.hook_resid_post' })).toBe('topk-tiny-gpt2-L1.resid_post');
  });

  it('estimates memory from the shapes', () => {
    const m = estimateMemory(form({ dIn: 10, dSae: 20, batchSize: 4, arch: 'relu' }));
    expect(m.parameterBytes).toBe(4 * 4 * (2 * 10 * 20 + 2 * 20 + 10));
    expect(m.largestBufferBytes).toBe(4 * 200);
    expect(m.shards).toBe(1);
  });
});
