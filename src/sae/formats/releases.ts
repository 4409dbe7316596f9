// Published SAEs by name: a compact index (releases.json) of SAELens releases whose models run in a
// browser, as SAELens's pretrained_saes.yaml lists them (release → Hub repo, each SAE's id and folder),
// plus a fixture release for the local Hub mirror the tests serve.
import index from './releases.json';
import { SaeFormatError } from './common';
import type { HubSaeLocation } from './hub';

export interface SaeReleaseEntry {
  /** SAELens's sae_id, e.g. "blocks.8.hook_resid_pre". */
  id: string;
  /** Folder in the repo holding cfg.json and the weights. */
  path: string;
}

export interface SaeRelease {
  name: string;
  repo: string;
  /** SAELens's (TransformerLens) model name, e.g. gpt2-small. */
  model: string;
  /** Hub repos of that model, ONNX exports included, that the SAEs fit. */
  hfModels: string[];
  saes: SaeReleaseEntry[];
  /** A release served by the tests' local mirror, not by huggingface.co. */
  fixture: boolean;
}

interface RawRelease {
  repo: string;
  model: string;
  hfModels: string[];
  /** An id whose folder is the id itself, or [id, path]. */
  saes: (string | [string, string])[];
  fixture?: boolean;
}

const RELEASES: SaeRelease[] = Object.entries(index as unknown as Record<string, RawRelease>).map(([name, r]) => ({
  name,
  repo: r.repo,
  model: r.model,
  hfModels: r.hfModels,
  saes: r.saes.map((s) => (typeof s === 'string' ? { id: s, path: s } : { id: s[0], path: s[1] })),
  fixture: r.fixture === true,
}));

export function listReleases(): SaeRelease[] {
  return RELEASES;
}

/** The release named `name`; SaeFormatError('unknown-release') naming the releases there are. */
export function findRelease(name: string): SaeRelease {
  const wanted = name.trim();
  const release = RELEASES.find((r) => r.name === wanted);
  if (!release) {
    throw new SaeFormatError(
      'unknown-release',
      `No SAELens release is named "${wanted}" in Lantern's index of releases for browser-sized models (${RELEASES.filter((r) => !r.fixture).map((r) => r.name).join(', ')}); check the spelling, or import the repo folder from the Hub tab.`,
      { release: wanted },
    );
  }
  return release;
}

/** Where release `name`'s SAE `id` lives on `host`; an unknown id is refused with the ids the release has. */
export function releaseLocation(name: string, id: string, host: string): HubSaeLocation {
  const release = findRelease(name);
  const sae = release.saes.find((s) => s.id === id.trim());
  if (!sae) {
    throw new SaeFormatError('unknown-release', `Release "${release.name}" has no SAE "${id.trim()}"; its ids are ${release.saes.map((s) => s.id).join(', ')}.`, {
      release: release.name,
      id,
    });
  }
  return { host, repo: release.repo, path: sae.path };
}

/** Releases whose SAEs were trained on the model at Hub repo `repo` (any of its exports). */
export function releasesForModel(repo: string): SaeRelease[] {
  return RELEASES.filter((r) => r.hfModels.includes(repo));
}
