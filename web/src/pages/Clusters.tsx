// The team's clusters: connection state (live from `cluster:<id>`),
// versions and nodes, and the one-line import command for a new cluster or
// a fresh one for a cluster that still has to be connected.
import { useEffect, useState } from "preact/hooks";
import { api, seg, type Cluster, type Page } from "../api";
import { Field, FormError } from "../components/Field";
import { StatusBadge } from "../components/Status";
import { describe, useFormErrors } from "../forms";
import { useSession } from "../session";

interface Registration {
  url: string;
  command: string;
  expiresAt: string;
}

export function Clusters() {
  const { team, live } = useSession();
  const t = `/teams/${seg(team.id)}/clusters`;
  const [clusters, setClusters] = useState<Cluster[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [name, setName] = useState("");
  const [registration, setRegistration] = useState<{ cluster: string; reg: Registration } | null>(null);
  const { errors, busy, submit } = useFormErrors(["name"]);

  function load() {
    api.get<Page<Cluster>>(`${t}?limit=100`).then((c) => setClusters(c.items), (e) => setLoadError(describe(e)));
  }
  useEffect(load, [team.id]);
  useEffect(() => {
    if (!clusters) return;
    const offs = clusters.map((c) =>
      live.subscribe(`cluster:${c.id}`, {
        onEvent: (e) => {
          if (e.kind === "cluster.state") load();
        },
        onResync: load,
      }),
    );
    return () => offs.forEach((off) => off());
  }, [clusters?.map((c) => c.id).join(",")]);

  return (
    <>
      <h1 tabIndex={-1}>Clusters</h1>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      {clusters === null ? (
        <p role="status">Loading clusters…</p>
      ) : clusters.length === 0 ? (
        <p>No clusters yet: add one below and run its import command.</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Connection</th>
              <th scope="col">Kubernetes</th>
              <th scope="col">Agent</th>
              <th scope="col">Nodes</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span class="visually-hidden">Import</span>
              </th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {clusters.map((c) => (
              <tr key={c.id} data-cluster={c.name}>
                <td>{c.name}</td>
                <td>
                  <StatusBadge phase={c.state} />
                </td>
                <td>{c.kubeVersion ?? "—"}</td>
                <td>{c.agentVersion ?? "—"}</td>
                <td>
                  <Capacity c={c} />
                </td>
                <td>{c.lastSeenAt ? new Date(c.lastSeenAt).toLocaleString() : "—"}</td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    onClick={async () => {
                      try {
                        const made = await api.post<{ registration: Registration }>(`${t}/${seg(c.id)}/registration`);
                        setRegistration({ cluster: c.name, reg: made.registration });
                      } catch (e) {
                        setLoadError(describe(e));
                      }
                    }}
                  >
                    Import command<span class="visually-hidden"> for {c.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {registration && <ImportCommand cluster={registration.cluster} reg={registration.reg} />}
      <section aria-labelledby="add-cluster">
        <h2 id="add-cluster">Add a cluster</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              const made = await api.post<Cluster & { registration: Registration }>(t, { name });
              setRegistration({ cluster: made.name, reg: made.registration });
              load();
            });
          }}
        >
          <FormError message={errors.form} />
          <Field id="name" label="Name" value={name} onInput={setName} error={errors.fields.name} required />
          <button type="submit" disabled={busy}>
            {busy ? "Adding…" : "Add cluster"}
          </button>
        </form>
      </section>
    </>
  );
}

function ImportCommand({ cluster, reg }: { cluster: string; reg: Registration }) {
  const [copied, setCopied] = useState("");
  return (
    <section class="card" aria-labelledby="import-heading">
      <h2 id="import-heading">Import {cluster}</h2>
      <p>Run this once against the cluster (valid until {new Date(reg.expiresAt).toLocaleString()}, single use):</p>
      <pre class="command" tabIndex={0} data-testid="import-command">
        {reg.command}
      </pre>
      <button
        type="button"
        onClick={() =>
          navigator.clipboard.writeText(reg.command).then(
            () => setCopied("Copied to the clipboard."),
            () => setCopied("Copying failed: select the command and copy it."),
          )
        }
      >
        Copy command
      </button>
      <span role="status">{copied}</span>
    </section>
  );
}

// Nodes, with what they offer to pods when the cluster reported it.
function Capacity({ c }: { c: Cluster }) {
  const { nodes, allocatableCpuMillis: cpu, allocatableMemoryBytes: memory } = c.capacity ?? {};
  if (nodes === null || nodes === undefined) return <>—</>;
  const offer = [cpu ? `${(cpu / 1000).toFixed(1)} CPU` : "", memory ? `${(memory / 2 ** 30).toFixed(1)} GiB` : ""].filter(Boolean).join(", ");
  return (
    <>
      {nodes} node{nodes === 1 ? "" : "s"}
      {offer && <span class="message"> ({offer} allocatable)</span>}
    </>
  );
}
