// An app's builds, newest first, updated live from `app:<id>`; the selected
// build's log is read once and then followed on `build:<id>` while it runs.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, seg, type Build, type Page } from "../../api";
import { Field, FormError } from "../../components/Field";
import { StatusBadge } from "../../components/Status";
import { describe, useFormErrors } from "../../forms";
import { useSession } from "../../session";

const terminal = (phase: string) => phase === "Completed" || phase === "Failed";

export function Builds({ base, appId }: { base: string; appId: string }) {
  const { live } = useSession();
  const [builds, setBuilds] = useState<Build[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [gitRef, setGitRef] = useState("");
  const [loadError, setLoadError] = useState("");
  const { errors, busy, submit } = useFormErrors(["gitRef", "imageTag", "clusterId"]);

  function load() {
    api.get<Page<Build>>(`${base}/builds?limit=20`).then((b) => setBuilds(b.items), (e) => setLoadError(describe(e)));
  }
  function upsert(b: Build) {
    setBuilds((list) => {
      const rest = (list ?? []).filter((x) => x.id !== b.id);
      const old = (list ?? []).find((x) => x.id === b.id);
      return [{ ...old, ...b }, ...rest].sort((x, y) => (x.id < y.id ? 1 : -1));
    });
  }
  useEffect(() => {
    load();
    return live.subscribe(`app:${appId}`, {
      onEvent: (e) => {
        if (e.kind === "build.created" || e.kind === "build.updated") upsert(e.data as unknown as Build);
      },
      onResync: load,
    });
  }, [base]);

  return (
    <section aria-labelledby="builds-heading" class="card">
      <h2 id="builds-heading">Builds</h2>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          submit(async () => {
            const made = await api.post<Build>(`${base}/builds`, gitRef ? { gitRef } : {});
            upsert(made);
            setSelected(made.id);
          });
        }}
      >
        <FormError message={errors.form ?? errors.fields.clusterId} />
        <Field id="gitRef" label="Git ref (optional)" value={gitRef} onInput={setGitRef} error={errors.fields.gitRef} placeholder="HEAD" />
        <button type="submit" disabled={busy}>
          {busy ? "Starting…" : "Start build"}
        </button>
      </form>
      {builds === null ? (
        <p role="status">Loading builds…</p>
      ) : builds.length === 0 ? (
        <p>No builds yet.</p>
      ) : (
        <table class="list" data-testid="builds">
          <thead>
            <tr>
              <th scope="col">Build</th>
              <th scope="col">Status</th>
              <th scope="col">Ref</th>
              <th scope="col">Started</th>
              <th scope="col">
                <span class="visually-hidden">Log</span>
              </th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {builds.map((b) => (
              <tr key={b.id} data-build={b.id}>
                <td class="mono">{b.imageTag || b.id}</td>
                <td>
                  <StatusBadge phase={b.status.phase} />
                  {b.status.message && <span class="message"> {b.status.message}</span>}
                </td>
                <td class="mono">{b.gitRef}</td>
                <td>{b.startedAt ? new Date(b.startedAt).toLocaleString() : "—"}</td>
                <td>
                  <button type="button" aria-pressed={selected === b.id} onClick={() => setSelected(selected === b.id ? null : b.id)}>
                    {selected === b.id ? "Hide log" : "Show log"}
                    <span class="visually-hidden"> of build {b.imageTag || b.id}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && (
        <BuildLog key={selected} base={base} buildId={selected} running={!terminal(builds?.find((b) => b.id === selected)?.status.phase ?? "")} />
      )}
    </section>
  );
}

function BuildLog({ base, buildId, running }: { base: string; buildId: string; running: boolean }) {
  const { live } = useSession();
  const [text, setText] = useState("");
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState("");
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    // Chunks that arrive while the stored log is read are kept and added
    // after it, unless the stored text already ends with them.
    let loaded = false;
    const early: string[] = [];
    const off = live.subscribe(`build:${buildId}`, {
      onEvent: (e) => {
        if (e.kind === "build.log") {
          const chunk = String(e.data.data ?? "");
          if (!loaded) early.push(chunk);
          else setText((t) => t + chunk);
        } else if (e.kind === "build.log.end") setEnded(true);
      },
      onResync: () => api.text(`${base}/builds/${seg(buildId)}/logs`).then(setText, () => {}),
    });
    api.text(`${base}/builds/${seg(buildId)}/logs`).then(
      (stored) => {
        loaded = true;
        let all = stored;
        for (const c of early) if (!all.endsWith(c)) all += c;
        setText(all);
      },
      (e) => {
        loaded = true;
        setError(describe(e));
      },
    );
    return off;
  }, [buildId]);

  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div class="log">
      <h3 id="log-heading">
        Log of build <span class="mono">{buildId}</span> {running && !ended ? "(following live)" : ""}
      </h3>
      {error && <p role="alert" class="error">{error}</p>}
      <pre ref={pre} tabIndex={0} role="log" aria-labelledby="log-heading" data-testid="build-log">
        {text || (running && !ended ? "Waiting for the build's output…" : "No output.")}
      </pre>
    </div>
  );
}
