// A thin progress bar (0..1) with an accessible value.
export function ProgressBar(props: { value: number; label?: string }) {
  const pct = () => Math.round(Math.max(0, Math.min(1, props.value)) * 100);
  return (
    <div class="progress" role="progressbar" aria-label={props.label ?? 'progress'} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct()}>
      <div class="progress-fill" style={{ width: `${pct()}%` }} />
    </div>
  );
}
