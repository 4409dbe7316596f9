// Shared shape of a benchmark figure: printed as a table line, or as one JSON object per line with --json.

export interface BenchRow {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** What the figure is compared against on the same adapter, e.g. "tfjs-webgpu". */
  peer?: string;
  peerValue?: number;
  /** ours ÷ peer (or as the bench defines it). */
  ratio?: number;
  /** Adapter or backend the figure was taken on, e.g. "swiftshader" or "wasm". */
  adapter: string;
  /** Free-form context (shape, batch reduction, …), printed in table mode only. */
  note?: string;
}

export interface BenchOptions {
  /** Reduce sizes for a quick run. */
  quick: boolean;
  /** Report a row as soon as it is measured. */
  emit: (row: BenchRow) => void;
  /** Print a human-readable line (suppressed in --json mode). */
  log: (line: string) => void;
  /** The suite's parts to run (`--only=chromium.steer`); undefined runs all of them. */
  parts?: Set<string>;
}

/** A benchmark suite: `scripts/bench/<name>.ts` exports `suite`. */
export interface BenchSuite {
  name: string;
  run(opts: BenchOptions): Promise<void>;
}
