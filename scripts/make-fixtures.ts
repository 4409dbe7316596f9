// Writes the generated fixture models in the Hub folder layout, deterministically from their seeds:
//   node scripts/run.mjs scripts/make-fixtures.ts [-- --out fixtures/generated/hub] [--demo public/demo/hub]
// `--demo <dir>` also writes the built-in demo model there in the Hub's URL layout
// (`<dir>/lantern-fixtures/tiny-gpt2/resolve/main/...`), so a static server at `<dir>` is a hub host.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEMO_FIXTURE, FIXTURES, FIXTURE_ORG, buildFixtureRepo } from '../src/lm/fixtures/repos';

/** Writes one repo as `<root>/<org>/<name>/<path>`, or with `resolve/main/` before the path. */
async function writeRepo(root: string, name: string, urlLayout = false): Promise<number> {
  const { files } = buildFixtureRepo(name);
  let bytes = 0;
  for (const [path, data] of files) {
    const file = join(root, FIXTURE_ORG, name, urlLayout ? 'resolve/main' : '', path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    bytes += data.byteLength;
  }
  return bytes;
}

/** Writes every fixture under `root`; returns repo id → bytes written. */
export async function writeFixtures(root: string): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  for (const name of Object.keys(FIXTURES)) written[`${FIXTURE_ORG}/${name}`] = await writeRepo(root, name);
  return written;
}

export async function main(args: string[]) {
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = flag('out') ?? 'fixtures/generated/hub';
  for (const [repo, bytes] of Object.entries(await writeFixtures(out))) console.log(`${join(out, repo)}  ${bytes} bytes`);
  const demo = flag('demo');
  if (demo) console.log(`${join(demo, FIXTURE_ORG, DEMO_FIXTURE)}  ${await writeRepo(demo, DEMO_FIXTURE, true)} bytes (demo)`);
  return 0;
}
