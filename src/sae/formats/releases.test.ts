// The bundled index of SAELens releases: entries as SAELens's pretrained_saes.yaml lists them,
// lookups by model, and clear refusals for a release or id that is not there.
import { describe, expect, it } from 'vitest';
import { findRelease, listReleases, releaseLocation, releasesForModel } from './releases';

describe('SAELens release index', () => {
  it('lists gpt2-small-res-jb with its 13 residual SAEs in folders named by their ids', () => {
    const r = findRelease('gpt2-small-res-jb');
    expect(r).toMatchObject({ repo: 'jbloom/GPT2-Small-SAEs-Reformatted', model: 'gpt2-small', fixture: false });
    expect(r.saes).toHaveLength(13);
    expect(r.saes[8]).toEqual({ id: 'blocks.8.hook_resid_pre', path: 'blocks.8.hook_resid_pre' });
    expect(r.saes.at(-1)).toEqual({ id: 'blocks.11.hook_resid_post', path: 'blocks.11.hook_resid_post' });
  });

  it('maps an id to a folder that differs from it (OpenAI v5 releases)', () => {
    expect(releaseLocation('gpt2-small-resid-mid-v5-32k', 'blocks.4.hook_resid_mid', 'https://huggingface.co')).toEqual({
      host: 'https://huggingface.co',
      repo: 'jbloom/GPT2-Small-OAI-v5-32k-resid-mid-SAEs',
      path: 'v5_32k_layer_4',
    });
  });

  it('finds the releases for a model by any of its Hub exports; names are unique', () => {
    const names = releasesForModel('onnx-community/gpt2').map((r) => r.name);
    expect(names).toContain('gpt2-small-res-jb');
    expect(releasesForModel('lantern-fixtures/tiny-gpt2').map((r) => r.name)).toEqual(['lantern-fixtures-tiny-gpt2-res']);
    const all = listReleases().map((r) => r.name);
    expect(new Set(all).size).toBe(all.length);
  });

  it('a release name that does not exist is refused, listing the releases there are', () => {
    expect(() => findRelease('gpt2-small-res-xx')).toThrow(
      expect.objectContaining({ code: 'unknown-release', message: expect.stringMatching(/No SAELens release is named "gpt2-small-res-xx".*gpt2-small-res-jb/) }),
    );
  });

  it('an id the release does not have is refused, listing its ids', () => {
    expect(() => releaseLocation('gpt2-small-res-jb', 'blocks.12.hook_resid_pre', 'h')).toThrow(/Release "gpt2-small-res-jb" has no SAE "blocks.12.hook_resid_pre"; its ids are blocks.0.hook_resid_pre/);
  });
});
