// Templates: CRUD, duplicate "(copy)", favourites first, search, and schema-validated import.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb } from './db';
import { duplicateTemplate, importTemplateJson, listTemplates, registerTemplateSchema, saveTemplate, templateToJson, toggleFavourite } from './templates';

registerTemplateSchema('training', { lr: 'number', name: 'string', arch: ['relu', 'topk'] });
let db: LanternDb;
let n = 0;
beforeEach(() => {
  db = new LanternDb(`templates-${n++}`);
});
afterEach(() => db.delete());

const body = { lr: 0.001, name: 'x', arch: 'topk' };

describe('templates', () => {
  it('saves, updates, duplicates, favourites and searches', async () => {
    const a = await saveTemplate(db, 'training', 'Small TopK', body);
    await saveTemplate(db, 'training', 'Small TopK v2', { ...body, lr: 0.002 }, a);
    const b = await duplicateTemplate(db, a);
    await saveTemplate(db, 'training', 'ReLU wide', { ...body, arch: 'relu' });
    await toggleFavourite(db, b);
    const all = await listTemplates(db, 'training');
    expect(all.map((t) => t.name)).toEqual(['Small TopK v2 (copy)', 'ReLU wide', 'Small TopK v2']);
    expect((await db.templates.get(a))?.body.lr).toBe(0.002);
    expect((await listTemplates(db, 'training', 'relu')).map((t) => t.name)).toEqual(['ReLU wide']);
  });

  it('round-trips through JSON', async () => {
    const id = await saveTemplate(db, 'training', 'T', body);
    const json = templateToJson((await db.templates.get(id))!);
    const id2 = await importTemplateJson(db, 'training', json);
    expect((await db.templates.get(id2))?.body).toEqual(body);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{', /not valid JSON/],
    ['another format', JSON.stringify({ format: 'x' }), /not a Lantern template/],
    ['another kind', JSON.stringify({ format: 'lantern-template/1', kind: 'steering', name: 'n', body }), /expected a training template/],
    ['a missing field', JSON.stringify({ format: 'lantern-template/1', kind: 'training', name: 'n', body: { lr: 1, name: 'x' } }), /Field "arch" is missing/],
    ['a wrong type', JSON.stringify({ format: 'lantern-template/1', kind: 'training', name: 'n', body: { ...body, lr: '1' } }), /"lr" must be a number/],
    ['an unknown value', JSON.stringify({ format: 'lantern-template/1', kind: 'training', name: 'n', body: { ...body, arch: 'gated' } }), /one of relu, topk/],
    ['an extra field', JSON.stringify({ format: 'lantern-template/1', kind: 'training', name: 'n', body: { ...body, evil: 1 } }), /Unknown field: evil/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses a file with ${what} and stores nothing`, async () => {
      await expect(importTemplateJson(db, 'training', text)).rejects.toThrow(message);
      expect(await db.templates.count()).toBe(0);
    });
  }
});
