// One app: its name and phase, the sections as links (AppNav), and the
// section shown. The app is loaded once and kept live from `app:<id>`
// (app.status, app.updated, app.deleted); each section subscribes to what
// else it shows (builds, releases, domains, services).
import type { ComponentType } from "preact";
import { useState } from "preact/hooks";
import { seg, type App, type AppReported, type Project } from "../api";
import { FormError } from "../components/Field";
import { StatusBadge } from "../components/Status";
import { useSession } from "../session";
import { useResource } from "../useResource";
import { useTopic } from "../useTopic";
import { AppNav, appSections } from "./app/AppNav";
import { DeleteApp } from "./app/DeleteApp";
import { Domains } from "./app/Domains";
import { Overview } from "./app/Overview";
import { Releases } from "./app/Releases";
import { RuntimeLogs } from "./app/RuntimeLogs";
import { Scale } from "./app/Scale";
import type { SectionProps } from "./app/section";
import { Services } from "./app/Services";

const sectionViews: Record<string, ComponentType<SectionProps>> = {
  "": Overview,
  releases: Releases,
  scale: Scale,
  domains: Domains,
  services: Services,
  logs: RuntimeLogs,
  settings: DeleteApp,
};

export function AppPage({ project: projectId, app: appId, section = "" }: { project: string; app: string; section?: string }) {
  const { team } = useSession();
  const p = `/teams/${seg(team.id)}/projects/${seg(projectId)}`;
  const a = `${p}/apps/${seg(appId)}`;
  const app = useResource<App>(a);
  const project = useResource<Project>(p);
  const [deleted, setDeleted] = useState(false);
  useTopic(
    `app:${appId}`,
    (e) => {
      if (e.kind === "app.status") {
        const d = e.data as { status: App["status"]; reported?: AppReported };
        app.setData((cur) => cur && { ...cur, status: { ...cur.status, ...d.status }, reported: d.reported ?? cur.reported });
      } else if (e.kind === "app.updated") app.setData((cur) => cur && { ...cur, ...(e.data as Partial<App>) });
      else if (e.kind === "app.deleted") setDeleted(true);
    },
    app.reload,
  );

  const current = appSections.find((s) => s.path === section);
  const View = sectionViews[section];
  const name = app.data ? app.data.displayName || app.data.name : "App";
  return (
    <>
      <p class="crumbs">
        <a href={`/teams/${seg(team.id)}/projects`}>Projects</a> / <a href={p}>{project.data ? project.data.displayName || project.data.name : "Project"}</a> /
      </p>
      <h1 tabIndex={-1}>
        {name}
        {current && current.path && <span class="visually-hidden">: {current.title}</span>}
      </h1>
      {app.data && (
        <p class="app-phase">
          <StatusBadge phase={app.data.stopped ? "Stopped" : app.data.status.phase} />
        </p>
      )}
      <AppNav base={a} current={section} />
      {deleted ? (
        <p role="alert" class="error">
          This app was deleted. <a href={p}>Back to the project</a>
        </p>
      ) : (
        <FormError message={app.error} />
      )}
      {!current || !View ? (
        <p>No such section of an app.</p>
      ) : (
        app.data && !deleted && <View app={app.data} project={project.data} base={a} projectBase={p} onApp={app.setData} />
      )}
    </>
  );
}
