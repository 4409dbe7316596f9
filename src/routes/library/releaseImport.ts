// Imports a published SAE by SAELens release and id: the index gives the Hub repo and folder, the
// Hub import fetches cfg.json and the weights, and the library stores it only if every check passes.
import { fetchHubSaeFiles } from '../../sae/formats/hub';
import { releaseLocation } from '../../sae/formats/releases';
import type { LibraryCheckpoint } from '../../storage/checkpoints';
import type { LanternDb } from '../../storage/db';
import { importSaeFiles, type ImportOptions } from './library';

export async function importReleaseSae(
  db: LanternDb,
  host: string,
  release: string,
  id: string,
  opts: Omit<ImportOptions, 'source'>,
  fetchFn?: typeof fetch,
): Promise<LibraryCheckpoint> {
  // 1. An unknown release or id is refused here, before any request.
  const loc = releaseLocation(release, id, host);
  const files = await fetchHubSaeFiles(loc, fetchFn);
  return importSaeFiles(db, files, { ...opts, name: opts.name?.trim() || `${release.trim()}/${id.trim()}`, source: `release:${release.trim()}/${id.trim()} (hub:${loc.repo}/${loc.path})` });
}
