// The feature list's model: sorting with index tie-breaks, filters, search over labels, notes and
// tokens, CSV quoting, and the analysis form's checks against the model and the SAE's width.
import { describe, expect, it } from 'vitest';
import type { ModelRecord } from '../../storage/db';
import { DEFAULT_ANALYSIS_FORM, listRows, queryRows, rowsToCsv, validateAnalysisForm, type ListQuery } from './features.data';

const rows = listRows(
  [
    { index: 0, density: 0.2, meanActive: 1, max: 3, autoLabel: '“the” → “cat”', topTokens: [' the', ' cat'] },
    { index: 1, density: 0, meanActive: 0, max: 0, autoLabel: '', topTokens: [] },
    { index: 2, density: 0.01, meanActive: 2, max: 5, autoLabel: '“fox” → “jumps”', topTokens: [' fox', ' jumps'] },
    { index: 3, density: 0.01, meanActive: 0.5, max: 1, autoLabel: '“,” → “and”', topTokens: [','] },
  ],
  new Map([[3, { saeId: 's', index: 3, label: 'commas, "quoted"', notes: 'lists', favourite: 1 as const }]]),
);
const q = (over: Partial<ListQuery>): ListQuery => ({ sort: 'index', descending: false, filter: 'all', search: '', ...over });
const idx = (r: { index: number }[]) => r.map((x) => x.index);

describe('queryRows', () => {
  it('sorts by density descending with ties in index order, and by label', () => {
    expect(idx(queryRows(rows, q({ sort: 'density', descending: true })))).toEqual([0, 2, 3, 1]);
    expect(idx(queryRows(rows, q({ sort: 'label' })))).toEqual([1, 3, 2, 0]);
  });

  it('filters dead, alive, dense and favourite latents', () => {
    expect(idx(queryRows(rows, q({ filter: 'dead' })))).toEqual([1]);
    expect(idx(queryRows(rows, q({ filter: 'alive' })))).toEqual([0, 2, 3]);
    expect(idx(queryRows(rows, q({ filter: 'dense' })))).toEqual([0]);
    expect(idx(queryRows(rows, q({ filter: 'favourites' })))).toEqual([3]);
  });

  it('searches person labels, notes, automatic labels and top tokens, case-insensitively', () => {
    expect(idx(queryRows(rows, q({ search: 'COMMAS' })))).toEqual([3]);
    expect(idx(queryRows(rows, q({ search: 'lists' })))).toEqual([3]);
    expect(idx(queryRows(rows, q({ search: 'jumps' })))).toEqual([2]);
    expect(idx(queryRows(rows, q({ search: ' cat' })))).toEqual([0]);
  });
});

describe('rowsToCsv', () => {
  it('writes one quoted row per latent', () => {
    const csv = rowsToCsv(rows).split('\n');
    expect(csv[0]).toBe('index,density,mean_active,max,label,auto_label,favourite,notes');
    expect(csv[4]).toBe('3,0.01,0.5,1,"commas, ""quoted""","“,” → “and”",1,lists');
  });
});

describe('validateAnalysisForm', () => {
  const model = { id: 'm', repo: 'r', revision: 'main', variant: 'fp32', summary: { nLayers: 2, dModel: 48 }, bytes: 1, createdAt: 1 } as ModelRecord;
  it('accepts the SAE’s model and hook and refuses a width mismatch with both widths', () => {
    const form = { ...DEFAULT_ANALYSIS_FORM, modelId: 'm', hook: 'blocks.1.hook_resid_post', tokenizationId: 't' };
    expect(validateAnalysisForm(form, model, 48)).toEqual({});
    expect(validateAnalysisForm(form, model, 64).modelId).toBe("This model's width is 48, but the SAE reads d_in = 64; choose the model it was trained on.");
    expect(validateAnalysisForm({ ...form, hook: 'blocks.2.hook_resid_post' }, model, 48).hook).toBeDefined();
    expect(validateAnalysisForm({ ...form, sourceType: 'text', text: ' ' }, model, 48).text).toBeDefined();
  });
});
