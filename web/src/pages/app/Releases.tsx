// The app's numbered releases, newest first, new ones arriving live
// (release.created on app:<id>), and the rollback to any earlier release
// that has an image: image and config together, after a confirmation.
import { useState } from "preact/hooks";
import { api, type App, type Page, type Release } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormError } from "../../components/Field";
import { describe } from "../../forms";
import { useResource } from "../../useResource";
import { useTopic } from "../../useTopic";
import { ReleaseConfig } from "./ReleaseConfig";
import type { SectionProps } from "./section";

const kPage = 20;
const newestFirst = (list: Release[]) => [...new Map(list.map((r) => [r.number, r])).values()].sort((x, y) => y.number - x.number);

export function Releases({ app, base, onApp }: SectionProps) {
  const first = useResource<Page<Release>>(`${base}/releases?limit=${kPage}`);
  const [older, setOlder] = useState<{ items: Release[]; next: string | null } | null>(null);
  const [arrived, setArrived] = useState<Release[]>([]);
  const [target, setTarget] = useState<Release | null>(null);
  const [error, setError] = useState("");
  const [message, setMessage] = useState("");
  useTopic(
    `app:${app.id}`,
    (e) => {
      if (e.kind === "release.created") setArrived((list) => [e.data as unknown as Release, ...list]);
    },
    () => {
      setArrived([]);
      first.reload();
    },
  );

  if (!first.data) return first.error ? <FormError message={first.error} /> : <p role="status">Loading releases…</p>;
  const releases = newestFirst([...arrived, ...first.data.items, ...(older?.items ?? [])]);
  const next = older ? older.next : (first.data.nextCursor ?? null);
  const newest = releases[0]?.number;

  async function loadOlder() {
    try {
      const page = await api.get<Page<Release>>(`${base}/releases?limit=${kPage}&after=${next}`);
      setOlder({ items: [...(older?.items ?? []), ...page.items], next: page.nextCursor ?? null });
    } catch (e) {
      setError(describe(e));
    }
  }

  return (
    <section aria-labelledby="releases-heading" class="card">
      <h2 id="releases-heading">Releases</h2>
      <p class="hint">Every deploy is a release: a build, an env, scale or domain change, a rollback. Rolling back restores the image and the configuration together.</p>
      <FormError message={error} />
      {releases.length === 0 ? (
        <p>No releases yet: the first comes with the first deploy.</p>
      ) : (
        <table class="list" data-testid="releases">
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Change</th>
              <th scope="col">Image</th>
              <th scope="col">By</th>
              <th scope="col">
                <span class="visually-hidden">Rollback</span>
              </th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {releases.map((r) => (
              <tr key={r.number} data-release={r.version} data-kind={r.kind}>
                <td>
                  <strong>{r.version}</strong> {r.number === newest && <span class="tag">current</span>}
                  <br />
                  <span class="message">{new Date(r.createdAt).toLocaleString()}</span>
                </td>
                <td class="wrap">
                  <span class="tag">{r.kind}</span> {r.description}
                  <details>
                    <summary>
                      Configuration<span class="visually-hidden"> of {r.version}</span>
                    </summary>
                    <ReleaseConfig config={r.config} />
                  </details>
                </td>
                <td class="mono">{r.image ?? "—"}</td>
                <td>{r.actor}</td>
                <td>
                  {r.number !== newest && r.image && (
                    <button type="button" class="secondary" onClick={() => setTarget(r)}>
                      Roll back<span class="visually-hidden"> to {r.version}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="secondary" onClick={loadOlder}>
          Show older releases
        </button>
      )}
      <p role="status" class="saved">
        {message}
      </p>
      {target && (
        <ConfirmDialog
          title={`Roll ${app.name} back to ${target.version}?`}
          confirmLabel={`Roll back to ${target.version}`}
          danger
          onClose={() => setTarget(null)}
          onConfirm={async () => {
            onApp(await api.post<App>(`${base}/rollback`, { release: target.number }));
            setMessage(`Rolling back to ${target.version}: its image is being deployed with its configuration.`);
            setTarget(null);
          }}
        >
          <p>
            The cluster deploys <span class="mono">{target.image}</span> without building, with the configuration and environment
            variables {target.version} had (git and registry credentials stay as they are now). A new release records the rollback.
          </p>
          <ReleaseConfig config={target.config} />
        </ConfirmDialog>
      )}
    </section>
  );
}
