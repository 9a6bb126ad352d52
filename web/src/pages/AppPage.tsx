// One app: its status as the cluster reports it (live), its builds with the
// selected build's log streamed while it runs, and its environment.
//
// Extension point: releases with rollback, domains, scale and autoscale,
// runtime logs and restart/stop/start get their own section component here,
// beside <Builds> and <EnvEditor>, each subscribing to `app:<id>` through
// useSession().live for its events.
import { useEffect, useState } from "preact/hooks";
import { api, seg, type App, type AppReported } from "../api";
import { StatusBadge } from "../components/Status";
import { describe } from "../forms";
import { useSession } from "../session";
import { Builds } from "./Builds";
import { EnvEditor } from "./EnvEditor";

export function AppPage({ project, app: appId }: { project: string; app: string }) {
  const { team, live } = useSession();
  const p = `/teams/${seg(team.id)}/projects/${seg(project)}`;
  const a = `${p}/apps/${seg(appId)}`;
  const [app, setApp] = useState<App | null>(null);
  const [loadError, setLoadError] = useState("");

  function load() {
    api.get<App>(a).then(setApp, (e) => setLoadError(describe(e)));
  }
  useEffect(() => {
    load();
    return live.subscribe(`app:${appId}`, {
      onEvent: (e) => {
        if (e.kind === "app.status") {
          const d = e.data as { status: App["status"]; reported: AppReported };
          setApp((cur) => (cur ? { ...cur, status: d.status, reported: d.reported ?? cur.reported } : cur));
        } else if (e.kind === "app.updated") {
          setApp((cur) => (cur ? { ...cur, ...(e.data as Partial<App>) } : cur));
        } else if (e.kind === "app.deleted") {
          setLoadError("This app was deleted.");
        }
      },
      onResync: load,
    });
  }, [appId]);

  const r = app?.reported ?? {};
  return (
    <>
      <p class="crumbs">
        <a href={`/teams/${seg(team.id)}/projects`}>Projects</a> / <a href={p}>Project</a> /
      </p>
      <h1 tabIndex={-1}>{app ? app.displayName || app.name : "App"}</h1>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      {app && (
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
            <dd>{r.replicas ?? "—"}</dd>
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
      )}
      <Builds base={a} appId={appId} />
      {app && <EnvEditor base={a} envKeys={app.envKeys} />}
    </>
  );
}
