// "Test your own text": a text's contexts through the hooked model and the SAE encoder, giving
// each token's strongest latents and every latent that fired ranked by its max over the text.
import { tensorToFloat32 } from '../lm/extract';
import type { LmSession } from '../lm/session';
import type { AnalyzerSource } from './analyzer';
import type { Encoder } from './encoder';

export interface ProbeResult {
  /** Token ids of the analysed contexts, in order. */
  tokens: number[];
  /** Per token, its strongest latents (largest first). */
  perToken: { latent: number; value: number }[][];
  /** Latents that fired, by max activation over the text (largest first), with the token where it peaked. */
  ranking: { latent: number; max: number; at: number }[];
  /** Per latent that fired: its activation at every token (for shading the text by one latent). */
  byLatent: Map<number, Float32Array>;
}

export async function probeText(session: LmSession, source: AnalyzerSource, hook: string, encoder: Encoder, perToken = 3): Promise<ProbeResult> {
  const out: ProbeResult = { tokens: [], perToken: [], ranking: [], byLatent: new Map() };
  const n = source.numSequences * source.contextSize;
  for (let c = 0; c < source.numSequences; c++) {
    const { tokens } = await source.read(c, 1);
    const x = tensorToFloat32((await session.forward({ inputIds: tokens, batch: 1 }))[hook]);
    const acts = await encoder.encode(x, tokens.length);
    for (let r = 0; r < acts.rows; r++) {
      const t = out.tokens.length;
      const entries: { latent: number; value: number }[] = [];
      for (let e = acts.rowPtr[r]; e < acts.rowPtr[r + 1]; e++) {
        const latent = acts.latent[e];
        entries.push({ latent, value: acts.value[e] });
        let row = out.byLatent.get(latent);
        if (!row) out.byLatent.set(latent, (row = new Float32Array(n)));
        row[t] = acts.value[e];
      }
      out.perToken.push(entries.sort((a, b) => b.value - a.value || a.latent - b.latent).slice(0, perToken));
      out.tokens.push(tokens[r]);
    }
  }
  for (const [latent, row] of out.byLatent) {
    let at = 0;
    for (let t = 1; t < row.length; t++) if (row[t] > row[at]) at = t;
    out.ranking.push({ latent, max: row[at], at });
  }
  out.ranking.sort((a, b) => b.max - a.max || a.latent - b.latent);
  return out;
}
