// Saved form state: what was chosen comes back over the defaults; a field of the wrong type, an
// unknown field or a damaged entry falls back to the default instead of breaking the form.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTRACT_FORM } from '../routes/extraction/form';
import { DEFAULT_FORM } from '../routes/training/form';
import { restoreForm } from './savedForm';

describe('restoreForm', () => {
  it('brings back every saved choice of the training form', () => {
    const chosen = { ...DEFAULT_FORM, sourceType: 'live' as const, liveModelId: 'org/model@main/fp32', liveHook: 'blocks.1.hook_resid_post', k: 16 };
    expect(restoreForm(JSON.stringify(chosen), DEFAULT_FORM)).toEqual(chosen);
  });

  it('keeps the extraction layer and source', () => {
    const saved = JSON.stringify({ ...DEFAULT_EXTRACT_FORM, layer: 1, sourceType: 'tokenization', tokenizationId: 'tok_1' });
    expect(restoreForm(saved, DEFAULT_EXTRACT_FORM)).toMatchObject({ layer: 1, sourceType: 'tokenization', tokenizationId: 'tok_1', batchSize: 8 });
  });

  it('uses the default for a field of the wrong type, a cleared number or an unknown field', () => {
    const saved = JSON.stringify({ layer: '3', batchSize: null, contextSize: 64, extra: 1 });
    const form = restoreForm(saved, DEFAULT_EXTRACT_FORM);
    expect(form).toEqual({ ...DEFAULT_EXTRACT_FORM, contextSize: 64 });
    expect(form).not.toHaveProperty('extra');
  });

  it('returns the defaults for nothing saved or a damaged entry', () => {
    expect(restoreForm(null, DEFAULT_FORM)).toEqual(DEFAULT_FORM);
    expect(restoreForm('{"k": 4', DEFAULT_FORM)).toEqual(DEFAULT_FORM);
    expect(restoreForm('[1, 2]', DEFAULT_FORM)).toEqual(DEFAULT_FORM);
  });
});
