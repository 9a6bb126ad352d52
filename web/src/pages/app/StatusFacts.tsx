// The app's status as the cluster reports it, kept live by the page
// (app.status and app.updated events on app:<id>).
import type { App } from "../../api";
import { StatusBadge } from "../../components/Status";
import { describeReplicas } from "./describeScale";

export function StatusFacts({ app }: { app: App }) {
  const r = app.reported ?? {};
  return (
    <section aria-labelledby="status-heading" class="card">
      <h2 id="status-heading">Status</h2>
      <dl class="facts" aria-live="polite" data-testid="app-status">
        <dt>Phase</dt>
        <dd>
          <StatusBadge phase={app.status.phase} />
          {app.status.message && <span class="message"> {app.status.message}</span>}
        </dd>
        <dt>URL</dt>
        <dd>{r.url ? <a href={r.url} rel="noreferrer">{r.url}</a> : "—"}</dd>
        <dt>Replicas</dt>
        <dd data-testid="app-replicas">
          {app.stopped ? `stopped (${describeReplicas(app.replicas, app.autoscaling)} on start)` : describeReplicas(app.replicas, app.autoscaling)}
          {r.replicas !== undefined && <span class="message">; {r.replicas} ready</span>}
        </dd>
        <dt>Release</dt>
        <dd>{app.release ? `v${app.release}` : "—"}</dd>
        <dt>Current image</dt>
        <dd class="mono">{r.currentImage || "—"}</dd>
        <dt>Previous image</dt>
        <dd class="mono">{r.previousImage || "—"}</dd>
        <dt>Last build</dt>
        <dd class="mono">{r.latestBuild || "—"}</dd>
        <dt>Source</dt>
        <dd class="mono">{app.git?.url || "—"}</dd>
      </dl>
    </section>
  );
}
