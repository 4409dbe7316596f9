// Writes the built-in demo corpus to public/demo/corpus.jsonl (deterministic; no downloaded text):
// `node scripts/run.mjs scripts/make-demo-corpus.ts [-- --out path] [--documents n] [--seed n]`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { demoCorpusJsonl, generateDemoCorpus } from '../src/data/demoCorpus';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<number> {
  const out = resolve(arg(args, 'out') ?? 'public/demo/corpus.jsonl');
  const documents = Number(arg(args, 'documents') ?? 1600);
  const seed = Number(arg(args, 'seed') ?? 20261121);
  const text = demoCorpusJsonl(generateDemoCorpus({ seed, documents }));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  console.log(`wrote ${documents} documents, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KB to ${out}`);
  return 0;
}
