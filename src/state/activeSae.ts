// The active SAE: the library checkpoint the features and steering pages use, kept in the
// `settings` table under `activeSae` so every page, tab and reload agrees on it.
import type { Accessor } from 'solid-js';
import { decodeCheckpoint } from '../sae/checkpointCodec';
import { weightsFromState } from '../sae/formats/state';
import type { SaeState } from '../sae/state';
import type { SaeWeights } from '../sae/types';
import { IMPORTED_RUN_ID, readCheckpoint, type LibraryCheckpoint } from '../storage/checkpoints';
import { getDb, type LanternDb } from '../storage/db';
import { createLive } from './live';

export const ACTIVE_SAE_KEY = 'activeSae';

export interface ActiveSae {
  checkpoint: LibraryCheckpoint;
  /** The run's name, or undefined for imports and checkpoints whose run was deleted. */
  runName?: string;
}

export interface LoadedSae {
  checkpoint: LibraryCheckpoint;
  state: SaeState;
  /** SAELens layout, normalisation folded in: what the features and steering pages run. */
  weights: SaeWeights;
}

/** Reads a checkpoint with every chunk's and the whole payload's SHA-256 verified (IntegrityError otherwise). */
export async function loadSae(db: LanternDb, id: string): Promise<LoadedSae> {
  const payload = await readCheckpoint(db, id);
  const checkpoint = (await db.checkpoints.get(id)) as LibraryCheckpoint;
  const { state } = decodeCheckpoint(payload);
  return { checkpoint, state, weights: weightsFromState(state) };
}

/** The active SAE, loaded and verified; undefined when none is set or it was deleted. */
export async function loadActiveSae(db: LanternDb = getDb()): Promise<LoadedSae | undefined> {
  const id = await activeSaeId(db);
  return id && (await db.checkpoints.get(id)) ? loadSae(db, id) : undefined;
}

/** The active checkpoint's id, or undefined when none is set. */
export async function activeSaeId(db: LanternDb = getDb()): Promise<string | undefined> {
  const row = await db.settings.get(ACTIVE_SAE_KEY);
  return typeof row?.value === 'string' ? row.value : undefined;
}

/** Hot-swap: verifies the checkpoint's hashes (IntegrityError if corrupted), then makes it active. */
export async function activateSae(id: string, db: LanternDb = getDb()): Promise<void> {
  await readCheckpoint(db, id);
  await db.settings.put({ key: ACTIVE_SAE_KEY, value: id });
}

export async function deactivateSae(db: LanternDb = getDb()): Promise<void> {
  await db.settings.delete(ACTIVE_SAE_KEY);
}

async function readActive(db: LanternDb): Promise<ActiveSae | null> {
  const id = await activeSaeId(db);
  const checkpoint: LibraryCheckpoint | undefined = id ? await db.checkpoints.get(id) : undefined;
  if (!checkpoint || checkpoint.complete !== 1) return null;
  const run = checkpoint.runId === IMPORTED_RUN_ID ? undefined : await db.runs.get(checkpoint.runId);
  return { checkpoint, runName: run?.name };
}

/** The active SAE as a live accessor (null when none; undefined while loading). Call inside a component. */
export function createActiveSae(): Accessor<ActiveSae | null | undefined> {
  return createLive(() => readActive(getDb()));
}
