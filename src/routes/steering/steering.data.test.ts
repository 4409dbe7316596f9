// Steering presets: the `steering` template schema refuses malformed latent rows on save and import,
// stores nothing then, and round-trips a good preset through export and import.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb } from '../../storage/db';
import { importTemplateJson, listTemplates, saveTemplate, templateToJson } from '../../storage/templates';
import { checkLatents, DEFAULT_STEERING_FORM } from './steering.data';

let db: LanternDb;
let n = 0;
beforeEach(() => {
  db = new LanternDb(`steering-presets-${n++}`);
});
afterEach(() => db.delete());

const preset = { ...DEFAULT_STEERING_FORM, seed: 7, latents: [{ latent: 3, strength: 12, method: 'additive' }, { latent: 11, strength: 6, method: 'clamp' }] };

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

  it('checkLatents names what is wrong', () => {
    expect(checkLatents('3:additive')).toBe('must be a list of latents');
    expect(checkLatents([{ latent: 1, strength: Number.NaN, method: 'clamp' }])).toBe('row 1: strength must be a finite number');
    expect(checkLatents([{ latent: 1, strength: 1, method: 'clamp', extra: 1 }])).toBe('row 1 has unknown field extra');
    expect(checkLatents([])).toBeUndefined();
  });
});
