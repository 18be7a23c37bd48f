/** A job's status as a coloured word; the colour is never the only cue. */
export function StatusBadge(props: { status?: string }) {
  return (
    <span class="status" data-status={props.status ?? 'UNKNOWN'} data-testid="job-status">
      {(props.status ?? 'loading').toLowerCase()}
    </span>
  );
}
