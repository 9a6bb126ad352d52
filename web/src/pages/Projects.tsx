import { useEffect, useState } from "preact/hooks";
import { api, seg, type Cluster, type Page, type Project } from "../api";
import { Field, FormError } from "../components/Field";
import { SelectField } from "../components/SelectField";
import { describe, useFormErrors } from "../forms";
import { navigate } from "../router";
import { useSession } from "../session";

export function Projects() {
  const { team } = useSession();
  const t = `/teams/${seg(team.id)}`;
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [clusters, setClusters] = useState<Cluster[]>([]);
  const [loadError, setLoadError] = useState("");
  const [name, setName] = useState("");
  const [clusterId, setClusterId] = useState("");
  const { errors, busy, submit } = useFormErrors(["name", "clusterId"]);

  useEffect(() => {
    Promise.all([api.get<Page<Project>>(`${t}/projects?limit=100`), api.get<Page<Cluster>>(`${t}/clusters?limit=100`)])
      .then(([p, c]) => {
        setProjects(p.items);
        setClusters(c.items);
        if (c.items.length && !clusterId) setClusterId(c.items[0].id);
      })
      .catch((e) => setLoadError(describe(e)));
  }, [team.id]);

  const clusterName = (id: string | null) => clusters.find((c) => c.id === id)?.name ?? (id ? id : "none");

  return (
    <>
      <h1 tabIndex={-1}>Projects</h1>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      {projects === null ? (
        <p role="status">Loading projects…</p>
      ) : projects.length === 0 ? (
        <p>No projects yet: create the first one below.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Projects of {team.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cluster</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={`${t}/projects/${seg(p.id)}`}>{p.displayName || p.name}</a>
                </td>
                <td>{clusterName(p.clusterId)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section aria-labelledby="create-project">
        <h2 id="create-project">Create a project</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              const body: Record<string, unknown> = { name };
              if (clusterId) body.clusterId = clusterId;
              const made = await api.post<Project>(`${t}/projects`, body);
              navigate(`${t}/projects/${seg(made.id)}`);
            });
          }}
        >
          <FormError message={errors.form} />
          <Field
            id="name"
            label="Name"
            value={name}
            onInput={setName}
            error={errors.fields.name}
            hint="Lower-case letters, digits and dashes; it names the project's namespace."
            required
          />
          <SelectField
            id="clusterId"
            label="Cluster"
            value={clusterId}
            onChange={setClusterId}
            error={errors.fields.clusterId}
            options={[{ value: "", label: "No cluster yet" }, ...clusters.map((c) => ({ value: c.id, label: `${c.name} (${c.state})` }))]}
          />
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create project"}
          </button>
        </form>
      </section>
    </>
  );
}
