// Dataset bench: ingest throughput (rows/s, MB/s) and peak RSS while streaming a generated JSONL
// file (50 MB; 5 MB with --quick), then tokenization + SAELens packing throughput (tokens/s) with a
// byte-level BPE tokenizer. Peak RSS staying far below the file size shows ingest is streamed.
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCorpusJsonl, generateDemoCorpus } from '../../src/data/demoCorpus';
import { ingestFile } from '../../src/data/ingest';
import { DEFAULT_PRETOKENIZE_CONFIG, pretokenize } from '../../src/data/pretokenize';
import { buildByteLevelBpe } from '../../src/data/byteLevelBpe';
import { loadTokenizer } from '../../src/data/tokenizer';
import type { BenchSuite } from './types';

const MB = 1024 * 1024;

/** Writes `bytes` of JSONL built from several seeded demo corpora, cycling. */
async function writeCorpus(path: string, bytes: number): Promise<number> {
  const pieces = Array.from({ length: 8 }, (_, seed) => demoCorpusJsonl(generateDemoCorpus({ seed: seed + 1 })));
  const out = createWriteStream(path);
  let written = 0;
  for (let k = 0; written < bytes; k++) {
    const piece = pieces[k % pieces.length];
    written += Buffer.byteLength(piece);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return written;
}

/** Samples process RSS every few ms and keeps the high-water mark. */
function rssMonitor() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

export const suite: BenchSuite = {
  name: 'data',
  async run({ quick, emit, log }) {
    const dir = await mkdtemp(join(tmpdir(), 'lantern-bench-data-'));
    try {
      const path = join(dir, 'corpus.jsonl');
      const size = await writeCorpus(path, (quick ? 5 : 50) * MB);
      const note = `${(size / MB).toFixed(1)} MB JSONL`;
      log(`generated ${note} in ${dir}`);

      // 1. Ingest: stream the file, count rows, drop them.
      const blob = await openAsBlob(path);
      const baseline = process.memoryUsage().rss;
      const monitor = rssMonitor();
      let rows = 0;
      const t0 = performance.now();
      for await (const batch of ingestFile(blob, { format: 'jsonl' })) rows += batch.rows.length;
      const s = (performance.now() - t0) / 1000;
      const peak = monitor.stop();
      emit({ bench: 'ingest', metric: 'rows_per_s', value: rows / s, unit: 'rows/s', adapter: 'cpu', note: `${rows} rows, ${note}` });
      emit({ bench: 'ingest', metric: 'mb_per_s', value: size / MB / s, unit: 'MB/s', adapter: 'cpu', note });
      emit({
        bench: 'ingest',
        metric: 'peak_rss_mb',
        value: peak / MB,
        unit: 'MB',
        adapter: 'cpu',
        note: `baseline ${(baseline / MB).toFixed(0)} MB before ingest, ${note}`,
      });

      // 2. Tokenize + pack: the same stream through the pretokenizer (capped at 8 MB of text in the full run).
      const { tokenizerJson, tokenizerConfig } = buildByteLevelBpe(generateDemoCorpus({ documents: 400 }).map((d) => d.text), 300);
      const tok = loadTokenizer(tokenizerJson, tokenizerConfig);
      const cap = Math.min(size, 8 * MB);
      const source = (async function* () {
        for await (const batch of ingestFile(blob.slice(0, cap), { format: 'jsonl', malformed: 'skip' })) yield batch.rows;
      })();
      let tokens = 0;
      const t1 = performance.now();
      for await (const step of pretokenize(source, tok, DEFAULT_PRETOKENIZE_CONFIG)) for (const c of step.chunks) tokens += c.tokens.length;
      const s1 = (performance.now() - t1) / 1000;
      emit({
        bench: 'tokenize',
        metric: 'tokens_per_s',
        value: tokens / s1,
        unit: 'tok/s',
        adapter: 'cpu',
        note: `${tokens} packed tokens from ${(cap / MB).toFixed(1)} MB, vocab ${tok.vocabSize}, context 128`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
