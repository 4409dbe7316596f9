// The replay scrub bar of a run view: drag or click the track, arrow keys (±1 step; Shift: ±1
// checkpoint), Home/End, play at a chosen speed, "Live"; checkpoints are ticks with their actions.
import { A } from '@solidjs/router';
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { stepForKey, type DisplayStep } from '../replay/displayStep';
import './scrubBar.css';

export interface ScrubCheckpoint {
  id: string;
  name: string;
  step: number;
}

const SPEEDS = [10, 50, 200, 1000];
const PLAY_TICK_MS = 50;

export function ScrubBar(props: {
  first: number;
  last: number;
  step: number;
  live: boolean;
  checkpoints: ScrubCheckpoint[];
  onStep: (s: DisplayStep) => void;
  onBranch: (checkpointId: string) => void;
}) {
  const [speed, setSpeed] = createSignal(SPEEDS[1]);
  const [playing, setPlaying] = createSignal(false);
  const [menu, setMenu] = createSignal<ScrubCheckpoint>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let carry = 0;

  const span = () => Math.max(1, props.last - props.first);
  const pct = (s: number) => `${((s - props.first) / span()) * 100}%`;

  function stop() {
    if (timer) clearInterval(timer);
    timer = undefined;
    setPlaying(false);
  }
  function play() {
    if (playing()) return stop();
    let at = props.step >= props.last ? props.first : props.step;
    carry = 0;
    setPlaying(true);
    timer = setInterval(() => {
      // Whole steps per tick at the chosen rate; the fraction carries to the next tick.
      carry += (speed() * PLAY_TICK_MS) / 1000;
      const n = Math.floor(carry);
      carry -= n;
      at = Math.min(props.last, at + n);
      props.onStep(at);
      if (at >= props.last) stop();
    }, PLAY_TICK_MS);
  }
  onCleanup(stop);

  function onKey(e: KeyboardEvent) {
    const to = stepForKey(props.step, e.key, e.shiftKey, { first: props.first, last: props.last, checkpoints: props.checkpoints.map((c) => c.step) });
    if (to === undefined) return;
    e.preventDefault();
    stop();
    props.onStep(to);
  }

  return (
    <div class="scrub card" data-testid="scrub-bar" onKeyDown={onKey}>
      <div class="scrub-row">
        <button class="btn btn-sm" data-testid="scrub-play" onClick={play} disabled={props.last <= props.first} aria-label={playing() ? 'Pause replay' : 'Play replay'}>
          {playing() ? '⏸' : '▶'}
        </button>
        <select class="scrub-speed" data-testid="scrub-speed" aria-label="Replay speed" value={speed()} onChange={(e) => setSpeed(Number(e.currentTarget.value))}>
          <For each={SPEEDS}>{(s) => <option value={s}>{s} steps/s</option>}</For>
        </select>
        <div class="scrub-track">
          <input
            type="range"
            data-testid="scrub-range"
            aria-label="Replay step"
            min={props.first}
            max={Math.max(props.first, props.last)}
            step={1}
            value={props.step}
            onInput={(e) => {
              stop();
              props.onStep(Number(e.currentTarget.value));
            }}
          />
          <For each={props.checkpoints}>
            {(c) => (
              <button
                class="scrub-tick"
                classList={{ open: menu()?.id === c.id }}
                style={{ left: pct(c.step) }}
                title={`${c.name} · step ${c.step}`}
                data-testid="scrub-tick"
                data-step={c.step}
                onClick={() => {
                  stop();
                  props.onStep(c.step);
                  setMenu(menu()?.id === c.id ? undefined : c);
                }}
              />
            )}
          </For>
        </div>
        <span class="mono scrub-step" data-testid="replay-step">
          step {props.step}
        </span>
        <button
          class="btn btn-sm"
          classList={{ 'btn-primary': props.live }}
          data-testid="scrub-live"
          disabled={props.live}
          onClick={() => {
            stop();
            props.onStep('live');
          }}
        >
          {props.live ? '● Live' : 'Live'}
        </button>
      </div>
      <Show when={menu()}>
        {(c) => (
          <div class="scrub-menu" data-testid="scrub-menu">
            <span class="mono">
              {c().name} · step {c().step}
            </span>
            <A class="btn btn-sm" href={`/library?ckpt=${encodeURIComponent(c().id)}`}>
              Open in library
            </A>
            <button class="btn btn-sm" onClick={() => props.onBranch(c().id)}>
              Branch from here
            </button>
            <A class="btn btn-sm" href={`/features/${encodeURIComponent(c().id)}`}>
              Analyse features at this checkpoint
            </A>
            <button class="btn btn-sm" aria-label="Close" onClick={() => setMenu(undefined)}>
              ✕
            </button>
          </div>
        )}
      </Show>
      <p class="muted small scrub-help">← → one step · Shift+← → one checkpoint · Home/End · ▶ plays from here</p>
    </div>
  );
}
