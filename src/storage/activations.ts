// Activation sets' binary chunks: one activationChunks row per extraction step, holding the
// activations with the token ids, positions and source contexts they came from, so features can
// show their contexts later. Readers verify every chunk's SHA-256.
//
// PAYLOAD ENCODING (one row, all fields little-endian, every section 4-byte aligned):
//   header  u32[6]  magic 0x5443414c ("LACT"), version 1, nTok, dModel, flags (bit 0: sequences present), reserved 0
//   activations     f32[nTok · dModel]  row-major [nTok, dModel]
//   tokenIds        i32[nTok]
//   positions       i32[nTok]           position of each token within its context
//   sequences       i32[nTok]           index of each token's context in the token source (flag bit 0)
//
// INVARIANTS — DO NOT BREAK:
// 1. A ROW IS HASHED BEFORE ITS TRANSACTION (makeActivationChunkRow): AWAITING WEBCRYPTO INSIDE A
//    DEXIE TRANSACTION COMMITS IT EARLY.
// 2. AN ACTIVATION SET IS 'ready' ONLY ONCE EVERY CHUNK IS WRITTEN; READERS USE READY SETS ONLY.
// 3. A FAILED OR CANCELLED EXTRACTION DELETES ITS PARTIAL CHUNKS WITH ITS RECORD IN ONE TRANSACTION.
import { MAX_CHUNK_BYTES, sha256Hex } from './chunks';
import type { ChunkRecord, LanternDb } from './db';
import { IntegrityError, StorageError } from './errors';
import { deleteRecord } from './repository';

const MAGIC = 0x5443414c;
const VERSION = 1;
const HEADER_WORDS = 6;
const FLAG_SEQUENCES = 1;

export interface StoredActivationChunk {
  /** [nTok, dModel] row-major f32 */
  activations: Float32Array;
  /** [nTok] */
  tokenIds: Int32Array;
  /** [nTok] position within its context */
  positions: Int32Array;
  /** [nTok] index of the token's context in the source, when recorded */
  sequences?: Int32Array;
}

/** Bytes one chunk of nTok rows takes, header included. */
export function activationChunkBytes(nTok: number, dModel: number, withSequences = true): number {
  return 4 * (HEADER_WORDS + nTok * dModel + nTok * (withSequences ? 3 : 2));
}

export function encodeActivationChunk(chunk: StoredActivationChunk, dModel: number): Uint8Array<ArrayBuffer> {
  const nTok = chunk.tokenIds.length;
  if (chunk.activations.length !== nTok * dModel || chunk.positions.length !== nTok || (chunk.sequences && chunk.sequences.length !== nTok)) {
    throw new StorageError('bad-chunk', `Activation chunk arrays disagree: ${chunk.activations.length} values for ${nTok} tokens of width ${dModel}.`, {
      nTok,
      dModel,
    });
  }
  const bytes = activationChunkBytes(nTok, dModel, !!chunk.sequences);
  if (bytes > MAX_CHUNK_BYTES) {
    throw new StorageError('chunk-too-large', `An activation chunk of ${nTok} tokens × ${dModel} is ${bytes} bytes, over the ${MAX_CHUNK_BYTES}-byte row limit; use a smaller batch.`, {
      nTok,
      dModel,
      bytes,
    });
  }
  const buf = new ArrayBuffer(bytes);
  new Uint32Array(buf, 0, HEADER_WORDS).set([MAGIC, VERSION, nTok, dModel, chunk.sequences ? FLAG_SEQUENCES : 0, 0]);
  let off = 4 * HEADER_WORDS;
  new Float32Array(buf, off, nTok * dModel).set(chunk.activations);
  off += 4 * nTok * dModel;
  new Int32Array(buf, off, nTok).set(chunk.tokenIds);
  off += 4 * nTok;
  new Int32Array(buf, off, nTok).set(chunk.positions);
  off += 4 * nTok;
  if (chunk.sequences) new Int32Array(buf, off, nTok).set(chunk.sequences);
  return new Uint8Array(buf);
}

export function decodeActivationChunk(bytes: ArrayBuffer, where: Record<string, unknown> = {}): StoredActivationChunk & { dModel: number } {
  const bad = (why: string) => new IntegrityError(`Activation chunk is malformed: ${why}.`, where);
  if (bytes.byteLength < 4 * HEADER_WORDS) throw bad('shorter than its header');
  const [magic, version, nTok, dModel, flags] = new Uint32Array(bytes, 0, HEADER_WORDS);
  if (magic !== MAGIC || version !== VERSION) throw bad(`unknown format (magic ${magic.toString(16)}, version ${version})`);
  const withSequences = (flags & FLAG_SEQUENCES) !== 0;
  if (bytes.byteLength !== activationChunkBytes(nTok, dModel, withSequences)) throw bad(`${bytes.byteLength} bytes for ${nTok} × ${dModel}`);
  let off = 4 * HEADER_WORDS;
  const activations = new Float32Array(bytes, off, nTok * dModel);
  off += 4 * nTok * dModel;
  const tokenIds = new Int32Array(bytes, off, nTok);
  off += 4 * nTok;
  const positions = new Int32Array(bytes, off, nTok);
  off += 4 * nTok;
  const sequences = withSequences ? new Int32Array(bytes, off, nTok) : undefined;
  return { activations, tokenIds, positions, sequences, dModel };
}

/** The chunk row for `setId` at `index`, hashed now so it can be put inside a later transaction. */
export async function makeActivationChunkRow(setId: string, index: number, chunk: StoredActivationChunk, dModel: number): Promise<ChunkRecord> {
  const payload = encodeActivationChunk(chunk, dModel);
  return { ownerId: setId, index, bytes: payload.buffer, byteLength: payload.byteLength, sha256: await sha256Hex(payload) };
}

/** Chunks stored for a set (all of them once it is ready). */
export function activationChunkCount(db: LanternDb, setId: string): Promise<number> {
  return db.activationChunks.where('ownerId').equals(setId).count();
}

/** Reads chunk `index` of an activation set, verifying its SHA-256 (IntegrityError on a mismatch or a missing chunk). */
export async function readActivationChunk(db: LanternDb, setId: string, index: number): Promise<StoredActivationChunk> {
  const row = await db.activationChunks.get([setId, index]);
  const where = { ownerId: setId, table: 'activationChunks', index };
  if (!row) throw new IntegrityError(`Chunk ${index} of activation set ${setId} is missing.`, where);
  const actual = await sha256Hex(row.bytes);
  if (actual !== row.sha256) {
    throw new IntegrityError(`Chunk ${index} of activation set ${setId} is corrupted (SHA-256 mismatch).`, { ...where, expected: row.sha256, actual });
  }
  const { activations, tokenIds, positions, sequences } = decodeActivationChunk(row.bytes, where);
  return { activations, tokenIds, positions, sequences };
}

/** Deletes an unfinished activation set with every chunk written so far, in one transaction. */
export async function discardActivationSet(db: LanternDb, setId: string): Promise<void> {
  const record = await db.activationSets.get(setId);
  if (record && record.status !== 'ready') await deleteRecord(db, 'activationSets', setId);
}
