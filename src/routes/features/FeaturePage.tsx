// One latent (/features/:saeId/:index, shareable): statistics, label/notes/favourite, activation
// histogram, logit effects (tables + histogram), similar latents, then the top contexts and the
// interval groups with every token shaded by its activation. Prev/next walk the latents.
import { A, useParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, on, Show } from 'solid-js';
import { Histogram } from '../../components/charts/Histogram';
import { visibleToken } from '../../features/tokens';
import type { FeatureDetail, LogitEntry } from '../../features/types';
import { act } from '../../state/gpu';
import { createLiveQuery } from '../../state/live';
import { toast } from '../../state/toasts';
import { readFeature, readSummary, readyAnalysis, saveFeatureNote } from '../../storage/analyses';
import { getDb, type AnalysisRecord } from '../../storage/db';
import { shownLabel } from './features.data';
import { fmtDensity, fmtSig } from './format';
import { FeatureProbe } from './FeatureProbe';
import { TokenWindow } from './TokenWindow';
import './features.css';

function LogitTable(props: { title: string; entries: LogitEntry[]; vocab: string[]; testid: string }) {
  return (
    <div>
      <div class="chart-title">{props.title}</div>
      <table class="table compact" data-testid={props.testid}>
        <tbody>
          <For each={props.entries}>
            {(l) => (
              <tr>
                <td class="mono tok-cell" title={`token ${l.token}`}>
                  {visibleToken(props.vocab[l.token] ?? `<${l.token}>`)}
                </td>
                <td class="num mono" classList={{ pos: l.value > 0, neg: l.value < 0 }}>
                  {l.value > 0 ? '+' : ''}
                  {fmtSig(l.value)}
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}

/** The person's label, notes and favourite, saved together. */
function LabelEditor(props: { saeId: string; index: number; autoLabel: string }) {
  const db = getDb();
  const note = createLiveQuery(
    () => [props.saeId, props.index] as const,
    ([s, i]) => db.features.get([s, i]),
  );
  const [label, setLabel] = createSignal('');
  const [notes, setNotes] = createSignal('');
  const [favourite, setFavourite] = createSignal(false);
  createEffect(
    on(note, (n) => {
      setLabel(n?.label ?? '');
      setNotes(n?.notes ?? '');
      setFavourite(n?.favourite === 1);
    }),
  );
  const save = (fav = favourite()) =>
    act('save the label', async () => {
      await saveFeatureNote(db, props.saeId, props.index, { label: label(), notes: notes(), favourite: fav ? 1 : 0 });
      toast('success', `Saved latent ${props.index}`);
    });
  return (
    <div class="label-editor">
      <label class="field">
        <span class="field-label">Label {label().trim() ? '' : '(automatic until you write one)'}</span>
        <input data-testid="feature-label-input" value={label()} placeholder={props.autoLabel} maxLength={200} onInput={(e) => setLabel(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span class="field-label">Notes</span>
        <textarea data-testid="feature-notes" rows={2} value={notes()} onInput={(e) => setNotes(e.currentTarget.value)} />
      </label>
      <div class="btn-row">
        <button class="btn btn-sm btn-primary" data-testid="feature-save" onClick={() => void save()}>
          Save
        </button>
        <button
          class="btn btn-sm"
          data-testid="feature-favourite"
          aria-pressed={favourite()}
          onClick={() => {
            setFavourite(!favourite());
            void save(favourite());
          }}
        >
          {favourite() ? '★ Favourite' : '☆ Favourite'}
        </button>
      </div>
    </div>
  );
}

function Panels(props: { saeId: string; analysis: AnalysisRecord; detail: FeatureDetail; vocab: string[]; labels: Map<number, string> }) {
  const d = () => props.detail;
  const stat = (label: string, value: string, testid: string, title?: string) => (
    <div class="stat" title={title}>
      <div class="stat-label">{label}</div>
      <div class="stat-value mono" data-testid={testid}>
        {value}
      </div>
    </div>
  );
  return (
    <>
      <section class="card">
        <div class="stat-row">
          {stat('Density', fmtDensity(d().density), 'stat-density', 'Fraction of analysed tokens on which it fired')}
          {stat('Fired on', `${d().count.toLocaleString('en-US')} tokens`, 'stat-count', `of ${props.analysis.tokens.toLocaleString('en-US')} analysed`)}
          {stat('Mean when active', fmtSig(d().meanActive), 'stat-mean')}
          {stat('Max activation', fmtSig(d().max), 'stat-max')}
          {stat('Top logit', d().logits.top[0] ? visibleToken(props.vocab[d().logits.top[0].token] ?? '') : '—', 'stat-top-logit')}
          {stat('Nearest latent', d().neighbours[0] ? `#${d().neighbours[0].index} (${fmtSig(d().neighbours[0].cosine)})` : '—', 'stat-neighbour', 'By decoder cosine')}
        </div>
        <LabelEditor saeId={props.saeId} index={d().index} autoLabel={d().autoLabel} />
      </section>
      <div class="chart-grid">
        <section class="card chart-card">
          <Histogram title="Activation histogram (where it fired)" xLabel="activation" data={() => (d().count ? d().histogram : undefined)} testid="activation-histogram" />
        </section>
        <section class="card chart-card">
          <Histogram title="Logit effects W_dec·W_U over the vocabulary" xLabel="logit" color="#60a5fa" data={() => d().logits.histogram} testid="logit-histogram" />
        </section>
      </div>
      <div class="grid-feature">
        <section class="card">
          <h2>Logit effects</h2>
          <p class="muted small">What this latent's decoder direction pushes up and down, read through the unembedding (no final norm).</p>
          <div class="logit-tables">
            <LogitTable title="Promotes" entries={d().logits.top} vocab={props.vocab} testid="logits-top" />
            <LogitTable title="Suppresses" entries={d().logits.bottom} vocab={props.vocab} testid="logits-bottom" />
          </div>
        </section>
        <section class="card">
          <h2>Similar latents</h2>
          <p class="muted small">Nearest by decoder cosine.</p>
          <table class="table compact" data-testid="neighbours">
            <tbody>
              <For each={d().neighbours}>
                {(n) => (
                  <tr>
                    <td class="num mono">
                      <A href={`/features/${props.saeId}/${n.index}`} data-testid="neighbour-link">
                        #{n.index}
                      </A>
                    </td>
                    <td class="num mono">{fmtSig(n.cosine)}</td>
                    <td class="muted small">{props.labels.get(n.index) || '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </section>
      </div>
      <section class="card">
        <h2>Top activations</h2>
        <Show when={d().top.length} fallback={<p class="muted">This latent never fired on the analysed tokens.</p>}>
          <p class="muted small">The {d().top.length} strongest activations, ±{props.analysis.windowRadius} tokens; shading ∝ activation / max, hover a token for its value and id.</p>
          <div class="contexts" data-testid="top-contexts">
            <For each={d().top}>{(ex) => <TokenWindow example={ex} max={d().max} vocab={props.vocab} />}</For>
          </div>
        </Show>
      </section>
      <Show when={d().count}>
        <section class="card">
          <h2>Activation intervals</h2>
          <p class="muted small">Ten equal-width intervals of (0, max]; up to five examples each, sampled uniformly within the interval.</p>
          <For each={[...d().intervals].reverse().filter((g) => g.count > 0)}>
            {(g) => (
              <div class="interval" data-testid="interval">
                <div class="interval-head mono small">
                  INTERVAL {fmtSig(g.lo)}–{fmtSig(g.hi)} · contains {fmtSig(g.share * 100)}% ({g.count.toLocaleString('en-US')})
                </div>
                <For each={g.examples}>{(ex) => <TokenWindow example={ex} max={d().max} vocab={props.vocab} />}</For>
              </div>
            )}
          </For>
        </section>
      </Show>
      <FeatureProbe analysis={props.analysis} index={d().index} max={d().max} vocab={props.vocab} />
    </>
  );
}

export function FeaturePage() {
  const params = useParams<{ saeId: string; index: string }>();
  const db = getDb();
  const index = () => Number(params.index);
  const analysis = createLiveQuery(
    () => params.saeId,
    async (id) => ({ record: await readyAnalysis(db, id) }),
  );
  const record = () => analysis()?.record;
  const notes = createLiveQuery(
    () => params.saeId,
    (id) => db.features.where('saeId').equals(id).toArray(),
  );
  const [summary] = createResource(
    () => record()?.id,
    () => readSummary(db, record()!),
  );
  const [detail] = createResource(
    () => (record() ? ([record()!.id, index()] as const) : undefined),
    async ([, i]): Promise<{ ok?: FeatureDetail; error?: string }> => {
      try {
        return { ok: await readFeature(db, record()!, i) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    },
  );
  const labels = () => {
    const auto = new Map((summary()?.rows ?? []).map((r) => [r.index, r.autoLabel]));
    for (const n of notes() ?? []) if (n.label) auto.set(n.index, n.label);
    return auto;
  };
  const title = () => {
    const d = detail();
    const person = notes()?.find((n) => n.index === index())?.label;
    return d?.ok ? shownLabel({ label: person, autoLabel: d.ok.autoLabel }) : '';
  };
  return (
    <div class="page">
      <div class="card-head">
        <div>
          <A href={`/features/${params.saeId}`} class="small" data-testid="back-to-list">
            ← All latents
          </A>
          <h1 data-testid="feature-title">
            Latent #{params.index}
            <span class="feature-label" data-testid="feature-label">
              {title()}
            </span>
          </h1>
        </div>
        <Show when={record()}>
          {(a) => (
            <div class="btn-row">
              <A class="btn btn-sm" href={`/steering?sae=${params.saeId}&latent=${index()}`} data-testid="feature-steer">
                Steer with this
              </A>
              <Show when={index() > 0}>
                <A class="btn btn-sm" href={`/features/${params.saeId}/${index() - 1}`} data-testid="feature-prev">
                  ← #{index() - 1}
                </A>
              </Show>
              <Show when={index() < a().dSae - 1}>
                <A class="btn btn-sm" href={`/features/${params.saeId}/${index() + 1}`} data-testid="feature-next">
                  #{index() + 1} →
                </A>
              </Show>
            </div>
          )}
        </Show>
      </div>
      <Show when={analysis() && !record()}>
        <section class="card">
          <p class="muted">
            This SAE has no finished analysis yet. <A href={`/features/${params.saeId}`}>Run one</A>.
          </p>
        </section>
      </Show>
      <Show when={detail()}>
        {(d) => (
          <>
            <Show when={d().error}>
              <p class="banner banner-err" role="alert" data-testid="feature-error">
                {d().error}
              </p>
            </Show>
            <Show when={d().ok && summary()}>
              <Panels saeId={params.saeId} analysis={record()!} detail={d().ok!} vocab={summary()!.vocab} labels={labels()} />
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}
