// The demo corpus is deterministic, a few hundred KB, covers every topic, and is valid JSONL.
import { expect, test } from 'vitest';
import { DEMO_TOPICS, demoCorpusJsonl, generateDemoCorpus } from './demoCorpus';

test('demo corpus is deterministic, varied and a few hundred KB', () => {
  const a = demoCorpusJsonl(generateDemoCorpus());
  expect(a).toBe(demoCorpusJsonl(generateDemoCorpus()));
  expect(a).not.toBe(demoCorpusJsonl(generateDemoCorpus({ seed: 1 })));
  const bytes = new TextEncoder().encode(a).length;
  expect(bytes).toBeGreaterThan(200_000);
  expect(bytes).toBeLessThan(800_000);
  const docs = a.trim().split('\n').map((l) => JSON.parse(l));
  expect(new Set(docs.map((d) => d.topic))).toEqual(new Set(DEMO_TOPICS));
  expect(new Set(docs.map((d) => d.text)).size).toBeGreaterThan(docs.length * 0.99);
  expect(a).toMatch(/<\/\w+>/);
  expect(a).toMatch(/\d{4}-\d{2}-\d{2}/);
});
