// `npm run bench [-- --json] [--quick] [--only=name,suite.part]`: runs every suite in scripts/bench/
// (or those named, or named parts of one) and prints figures with their peer ratios. Never part of `npm test`.
import type { BenchRow, BenchSuite } from './bench/types';

const suites = import.meta.glob<{ suite: BenchSuite }>('./bench/*.ts', { eager: false });

function formatRow(r: BenchRow): string {
  const peer = r.peer ? `  vs ${r.peer} ${r.peerValue?.toPrecision(4)} ${r.unit}  ratio ${r.ratio?.toFixed(2)}×` : '';
  return `${r.bench.padEnd(10)} ${r.metric.padEnd(14)} ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(8)} [${r.adapter}]${peer}${r.note ? `  (${r.note})` : ''}`;
}

export async function main(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;
  const emit = (row: BenchRow) => {
    if (json) {
      const { note: _note, ...rest } = row;
      console.log(JSON.stringify(rest));
    } else console.log(formatRow(row));
  };
  const log = (line: string) => {
    if (!json) console.log(line);
  };
  let failed = 0;
  for (const [path, load] of Object.entries(suites)) {
    if (path.endsWith('/types.ts')) continue;
    const { suite } = await load();
    if (!suite) continue;
    const parts = only && !only.has(suite.name) ? new Set([...only].filter((o) => o.startsWith(`${suite.name}.`)).map((o) => o.slice(suite.name.length + 1))) : undefined;
    if (parts && !parts.size) continue;
    log(`\n# ${suite.name}${parts ? ` (${[...parts].join(', ')})` : ''}`);
    try {
      await suite.run({ quick, emit, log, parts });
    } catch (e) {
      failed++;
      console.error(`bench ${suite.name} failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
    }
  }
  return failed ? 1 : 0;
}
