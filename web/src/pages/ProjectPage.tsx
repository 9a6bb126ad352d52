import { useEffect, useState } from "preact/hooks";
import { api, seg, type App, type Page, type Project } from "../api";
import { Field, FormError } from "../components/Field";
import { StatusBadge } from "../components/Status";
import { describe, useFormErrors } from "../forms";
import { navigate } from "../router";
import { useSession } from "../session";
import { ProjectQuota } from "./ProjectQuota";

export function ProjectPage({ project: projectId }: { project: string }) {
  const { team, live } = useSession();
  const p = `/teams/${seg(team.id)}/projects/${seg(projectId)}`;
  const [project, setProject] = useState<Project | null>(null);
  const [apps, setApps] = useState<App[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [name, setName] = useState("");
  const [gitUrl, setGitUrl] = useState("");
  const { errors, busy, submit } = useFormErrors(["name", "git.url", "git"]);

  function load() {
    Promise.all([api.get<Project>(p), api.get<Page<App>>(`${p}/apps?limit=100`)])
      .then(([proj, a]) => {
        setProject(proj);
        setApps(a.items);
      })
      .catch((e) => setLoadError(describe(e)));
  }
  useEffect(() => {
    load();
    // Apps appear, change phase and go away live.
    return live.subscribe(`project:${projectId}`, {
      onEvent: (e) => {
        const data = e.data as Partial<App> & { id: string };
        if (e.kind === "app.created") setApps((list) => (list && !list.some((a) => a.id === data.id) ? [...list, data as App] : list));
        else if (e.kind === "app.deleted") setApps((list) => list?.filter((a) => a.id !== data.id) ?? list);
        else if (e.kind === "app.status" || e.kind === "app.updated")
          setApps((list) => list?.map((a) => (a.id === data.id ? { ...a, ...data } : a)) ?? list);
      },
      onResync: load,
    });
  }, [projectId]);

  return (
    <>
      <p class="crumbs">
        <a href={`/teams/${seg(team.id)}/projects`}>Projects</a> /
      </p>
      <h1 tabIndex={-1}>{project ? project.displayName || project.name : "Project"}</h1>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      <h2>Apps</h2>
      {apps === null ? (
        <p role="status">Loading apps…</p>
      ) : apps.length === 0 ? (
        <p>No apps yet.</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Status</th>
              <th scope="col">URL</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {apps.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`${p}/apps/${seg(a.id)}`}>{a.displayName || a.name}</a>
                </td>
                <td>
                  <StatusBadge phase={a.status?.phase ?? ""} />
                </td>
                <td>{a.reported?.url ? <a href={a.reported.url} rel="noreferrer">{a.reported.url}</a> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section aria-labelledby="create-app">
        <h2 id="create-app">Create an app</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              const body: Record<string, unknown> = { name };
              if (gitUrl) body.git = { url: gitUrl };
              const made = await api.post<App>(`${p}/apps`, body);
              navigate(`${p}/apps/${seg(made.id)}`);
            });
          }}
        >
          <FormError message={errors.form} />
          <Field id="name" label="Name" value={name} onInput={setName} error={errors.fields.name} required
            hint="Lower-case letters, digits and dashes." />
          <Field id="git.url" label="Git repository URL" value={gitUrl} onInput={setGitUrl} error={errors.fields["git.url"] ?? errors.fields.git}
            placeholder="https://github.com/you/app.git" />
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create app"}
          </button>
        </form>
      </section>
      {project && <ProjectQuota key={project.id} base={p} project={project} onProject={setProject} />}
    </>
  );
}
