// Steering presets: the `steering` template schema refuses malformed latent and vector rows on save and
// import, stores nothing then, round-trips a good preset (raw vectors and frequency penalty included)
// through export and import, and still reads presets saved before those fields existed.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb } from '../../storage/db';
import { importTemplateJson, listTemplates, saveTemplate, templateToJson } from '../../storage/templates';
import { checkLatents, checkVectors, DEFAULT_STEERING_FORM, steerRequest, targetProblem } from './steering.data';

let db: LanternDb;
let n = 0;
beforeEach(() => {
  db = new LanternDb(`steering-presets-${n++}`);
});
afterEach(() => db.delete());

const preset = {
  ...DEFAULT_STEERING_FORM,
  seed: 7,
  frequencyPenalty: 0.5,
  latents: [{ latent: 3, strength: 12, method: 'additive' }, { latent: 11, strength: 6, method: 'clamp' }],
  vectors: [
    { kind: 'latent', latent: 2, hook: 'blocks.0.hook_resid_post', strength: 4 },
    { kind: 'diff', promptA: 'love', promptB: 'hate', hook: 'blocks.1.hook_resid_pre', normalize: true, strength: 8 },
  ],
};

describe('steering presets', () => {
  it('round-trip through export and import with their latents', async () => {
    const id = await saveTemplate(db, 'steering', 'two latents', preset);
    const json = templateToJson((await db.templates.get(id))!);
    await importTemplateJson(db, 'steering', json);
    const all = await listTemplates(db, 'steering');
    expect(all).toHaveLength(2);
    for (const t of all) expect(t.body).toEqual(preset);
  });

  it('refuse a malformed latent row naming the row and field, storing nothing', async () => {
    await expect(saveTemplate(db, 'steering', 'bad', { ...preset, latents: [{ latent: 1, strength: 2, method: 'scale' }] })).rejects.toThrow(
      'Field "latents" row 1: method must be one of additive, clamp, cap. Nothing was saved.',
    );
    const json = JSON.stringify({ format: 'lantern-template/1', kind: 'steering', name: 'x', body: { ...preset, latents: [preset.latents[0], { latent: -2, strength: 1, method: 'cap' }] } });
    await expect(importTemplateJson(db, 'steering', json)).rejects.toThrow(/row 2: latent must be a whole number ≥ 0/);
    expect(await db.templates.count()).toBe(0);
  });

  it('a preset saved before frequency penalty and raw vectors existed imports with no penalty and no vectors', async () => {
    const old = { prompt: 'x', maxNewTokens: 8, temperature: 0, topK: 0, topP: 1, seed: 3, multiplier: 1, latents: [{ latent: 1, strength: 2, method: 'cap' }] };
    await importTemplateJson(db, 'steering', JSON.stringify({ format: 'lantern-template/1', kind: 'steering', name: 'old', body: old }));
    const [t] = await listTemplates(db, 'steering');
    expect(t.body).toEqual({ ...old, frequencyPenalty: 0, vectors: [] });
  });

  it('refuse a malformed vector row naming the row and field, storing nothing', async () => {
    const bad = { ...preset, vectors: [preset.vectors[0], { kind: 'diff', promptA: 'a', promptB: 'b', hook: 'blocks.0.hook_resid_post', normalize: 'yes', strength: 1 }] };
    await expect(saveTemplate(db, 'steering', 'bad', bad)).rejects.toThrow('Field "vectors" vector 2: normalize must be a boolean. Nothing was saved.');
    expect(await db.templates.count()).toBe(0);
  });

  it('checkVectors names what is wrong', () => {
    expect(checkVectors({})).toBe('must be a list of vectors');
    expect(checkVectors([{ kind: 'mean', hook: 'h', strength: 1 }])).toBe('vector 1: kind must be one of latent, diff');
    expect(checkVectors([{ kind: 'latent', latent: -1, hook: 'h', strength: 1 }])).toBe('vector 1: latent must be a whole number ≥ 0');
    expect(checkVectors([{ kind: 'latent', latent: 1, hook: 'h', strength: Infinity }])).toBe('vector 1: strength must be a finite number');
    expect(checkVectors([{ kind: 'latent', latent: 1, hook: 'h', strength: 1, promptA: 'a' }])).toBe('vector 1 has unknown field promptA');
    expect(checkVectors(preset.vectors)).toBeUndefined();
  });

  it('without an SAE, only prompt differences on a chosen model can run, and the request carries no SAE', () => {
    const diffOnly = { latents: [], vectors: [preset.vectors[1]] } as Parameters<typeof targetProblem>[1];
    expect(targetProblem(undefined, diffOnly, 'model-1')).toBeUndefined();
    expect(targetProblem(undefined, diffOnly, undefined)).toBe('Choose a model to steer.');
    expect(targetProblem(undefined, { latents: [], vectors: [preset.vectors[0]] } as Parameters<typeof targetProblem>[1], 'model-1')).toMatch(/Latents need an SAE/);
    const req = steerRequest({ ...DEFAULT_STEERING_FORM, frequencyPenalty: 0.7, vectors: diffOnly.vectors }, undefined, 'model-1', 'wasm');
    expect(req).toMatchObject({ saeId: undefined, hook: undefined, modelId: 'model-1', frequencyPenalty: 0.7, setup: { vectors: diffOnly.vectors } });
  });

  it('checkLatents names what is wrong', () => {
    expect(checkLatents('3:additive')).toBe('must be a list of latents');
    expect(checkLatents([{ latent: 1, strength: Number.NaN, method: 'clamp' }])).toBe('row 1: strength must be a finite number');
    expect(checkLatents([{ latent: 1, strength: 1, method: 'clamp', extra: 1 }])).toBe('row 1 has unknown field extra');
    expect(checkLatents([])).toBeUndefined();
  });
});
