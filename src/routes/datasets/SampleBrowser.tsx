// The sample browser: stored rows page by page, or the rows matching a text search, each shown
// as plain text (never markup) in its own direction (isolated, so right-to-left text cannot reorder
// the page), long rows clamped with "show more"; hovering a row shows its tokens under the chosen tokenizer.
import { createMemo, createResource, createSignal, For, Show, untrack } from 'solid-js';
import { browseRows, searchRows, type RowView, type SearchResult } from '../../data/browse';
import { tokenDisplay } from '../../data/tokenDisplay';
import type { TextTokenizer } from '../../data/tokenizer';
import { datasetRowReader } from '../../jobs/kinds/ingestRows';
import { getDb, type DatasetRecord } from '../../storage/db';
import { clampSample } from './clamp';

const PAGE_SIZE = 10;
/** Tokens shown on hover; the rest of a long row stays plain text. */
const MAX_HOVER_TOKENS = 2048;

interface Piece {
  ids: number[];
  text: string;
}

/** Token texts of `text`; tokens that end inside a UTF-8 character are merged with the next ones, stray bytes shown as `<0xHH>`. */
function tokenPieces(tok: TextTokenizer, text: string): { pieces: Piece[]; total: number } {
  const ids = tok.encode(text, false);
  const pieces: Piece[] = [];
  let group: number[] = [];
  for (const id of ids.slice(0, MAX_HOVER_TOKENS)) {
    group.push(id);
    if (!tok.decode(group).endsWith('\uFFFD')) {
      pieces.push({ ids: group, text: tokenDisplay(tok, group) });
      group = [];
    }
  }
  if (group.length) pieces.push({ ids: group, text: tokenDisplay(tok, group) });
  return { pieces, total: ids.length };
}

/** `text` with the [start, end) spans marked. */
function Highlighted(props: { text: string; spans: [number, number][] }) {
  const parts = () => {
    const out: { text: string; mark: boolean }[] = [];
    let at = 0;
    for (const [s, e] of props.spans) {
      if (s > at) out.push({ text: props.text.slice(at, s), mark: false });
      out.push({ text: props.text.slice(s, e), mark: true });
      at = e;
    }
    if (at < props.text.length) out.push({ text: props.text.slice(at), mark: false });
    return out;
  };
  return <For each={parts()}>{(p) => (p.mark ? <mark>{p.text}</mark> : p.text)}</For>;
}

function SampleRow(props: { row: RowView; spans?: [number, number][]; tokenizer?: TextTokenizer }) {
  const [hover, setHover] = createSignal(false);
  const [expanded, setExpanded] = createSignal(false);
  const clamped = createMemo(() => clampSample(props.row.text, props.spans));
  const long = () => clamped().before || clamped().after;
  const shown = () => (expanded() ? { text: props.row.text, spans: props.spans, before: false, after: false } : clamped());
  const tokens = () => (hover() && props.tokenizer ? tokenPieces(props.tokenizer, shown().text) : undefined);
  return (
    <li class="sample-row" data-testid="sample-row" data-index={props.row.index} onMouseEnter={() => setHover(true)} onMouseLeave={() => setHover(false)}>
      <span class="sample-index mono">#{props.row.index}</span>
      <div class="sample-body">
        <Show
          when={tokens()}
          fallback={
            <div class="sample-text" dir="auto" data-testid="sample-text">
              {shown().before ? '… ' : ''}
              <Show when={shown().spans} fallback={shown().text}>
                {(spans) => <Highlighted text={shown().text} spans={spans()} />}
              </Show>
              {shown().after ? ' …' : ''}
            </div>
          }
        >
          {(t) => (
            <div class="sample-text tokens" data-testid="sample-tokens">
              <For each={t().pieces}>
                {(p) => (
                  <span class="token" dir="auto" data-testid="token" title={`token ${p.ids.join(' + ')}`}>
                    {p.text}
                  </span>
                )}
              </For>
              <span class="muted small" data-testid="token-count">
                {' '}
                · {t().total} tokens{long() && !expanded() ? ' in the part shown' : ''}
              </span>
            </div>
          )}
        </Show>
        <Show when={long()}>
          <button class="link-btn small" data-testid="sample-more" onClick={() => setExpanded((x) => !x)}>
            {expanded() ? 'Show less' : `Show more (${props.row.text.length.toLocaleString('en-US')} characters)`}
          </button>
        </Show>
      </div>
    </li>
  );
}

export function SampleBrowser(props: { dataset: DatasetRecord; tokenizer?: TextTokenizer }) {
  // One reader (and its chunk cache) per dataset content, not per re-read of the record.
  const contentKey = createMemo(() => `${props.dataset.id}:${props.dataset.rows}`);
  const reader = createMemo(() => {
    contentKey();
    return datasetRowReader(getDb(), untrack(() => props.dataset));
  });
  const [page, setPage] = createSignal(0);
  const [query, setQuery] = createSignal('');
  const [search, setSearch] = createSignal<{ query: string; result: SearchResult }>();
  const [searching, setSearching] = createSignal(false);
  const [rows] = createResource(
    () => ({ r: reader(), page: page() }),
    ({ r, page: p }) => browseRows(r, { page: p, pageSize: PAGE_SIZE }),
  );

  async function runSearch(more = false) {
    const q = query();
    if (!q) {
      setSearch(undefined);
      return;
    }
    setSearching(true);
    try {
      const prev = more ? search() : undefined;
      const result = await searchRows(reader(), q, { start: prev?.result.nextStart ?? 0, limit: PAGE_SIZE });
      setSearch({ query: q, result: prev ? { ...result, matches: [...prev.result.matches, ...result.matches] } : result });
    } finally {
      setSearching(false);
    }
  }

  return (
    <div class="card" data-testid="sample-browser">
      <div class="card-head">
        <h2>Samples</h2>
        <form
          class="search-form"
          onSubmit={(e) => {
            e.preventDefault();
            void runSearch();
          }}
        >
          <input
            type="search"
            data-testid="sample-search"
            placeholder="Search text…"
            aria-label="Search rows"
            value={query()}
            onInput={(e) => {
              setQuery(e.currentTarget.value);
              if (!e.currentTarget.value) setSearch(undefined);
            }}
          />
          <button class="btn btn-sm" type="submit" data-testid="search-submit" disabled={searching()}>
            Search
          </button>
        </form>
      </div>
      <Show when={props.tokenizer}>
        <p class="muted small">Hover a row to see its tokens.</p>
      </Show>
      <Show
        when={search()}
        fallback={
          <>
            <ol class="samples">
              <For each={rows()?.rows}>{(row) => <SampleRow row={row} tokenizer={props.tokenizer} />}</For>
            </ol>
            <div class="btn-row pager">
              <button class="btn btn-sm" data-testid="page-prev" disabled={page() === 0} onClick={() => setPage((p) => Math.max(0, p - 1))}>
                ← Previous
              </button>
              <span class="muted" data-testid="page-info">
                Page {(rows()?.page ?? 0) + 1} of {rows()?.pageCount ?? 1}
              </span>
              <button
                class="btn btn-sm"
                data-testid="page-next"
                disabled={(rows()?.page ?? 0) + 1 >= (rows()?.pageCount ?? 1)}
                onClick={() => setPage((p) => p + 1)}
              >
                Next →
              </button>
            </div>
          </>
        }
      >
        {(s) => (
          <div data-testid="search-results">
            <p class="muted small" data-testid="search-summary">
              {s().result.matches.length} {s().result.matches.length === 1 ? 'row matches' : 'rows match'} “<bdi>{s().query}</bdi>”
              {s().result.nextStart !== null ? ' so far' : ''}
            </p>
            <ol class="samples">
              <For each={s().result.matches}>{(m) => <SampleRow row={m} spans={m.spans} tokenizer={props.tokenizer} />}</For>
            </ol>
            <Show when={s().result.nextStart !== null}>
              <button class="btn btn-sm" disabled={searching()} onClick={() => void runSearch(true)}>
                More matches
              </button>
            </Show>
          </div>
        )}
      </Show>
    </div>
  );
}
