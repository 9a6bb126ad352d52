// The team's usage: totals (apps made, clusters added, build minutes) and
// the records behind them, newest first, filtered by kind, page by page.
import { useState } from "preact/hooks";
import { api, seg, type Usage, type UsageRecord } from "../../api";
import { FormError } from "../../components/Field";
import { SelectField } from "../../components/SelectField";
import { describe } from "../../forms";
import { useSession } from "../../session";
import { useResource } from "../../useResource";

const kinds = [
  { value: "", label: "All kinds" },
  { value: "apps", label: "Apps" },
  { value: "clusters", label: "Clusters" },
  { value: "build_minutes", label: "Build minutes" },
];
const kindLabel = (k: string) => kinds.find((x) => x.value === k)?.label ?? k;

export function UsageCard() {
  const { team } = useSession();
  const [kind, setKind] = useState("");
  const base = `/teams/${seg(team.id)}/usage?limit=50${kind ? `&kind=${kind}` : ""}`;
  const usage = useResource<Usage>(base);
  const [more, setMore] = useState<{ base: string; items: UsageRecord[]; next: string | null } | null>(null);
  const [error, setError] = useState("");
  const u = usage.data;
  const extra = more?.base === base ? more : null;
  const records = [...(u?.items ?? []), ...(extra?.items ?? [])];
  const next = extra ? extra.next : (u?.nextCursor ?? null);

  async function loadMore() {
    try {
      const page = await api.get<Usage>(`${base}&after=${next}`);
      setMore({ base, items: [...(extra?.items ?? []), ...page.items], next: page.nextCursor ?? null });
    } catch (e) {
      setError(describe(e));
    }
  }

  return (
    <section aria-labelledby="usage-heading" class="card">
      <h2 id="usage-heading">Usage of {team.displayName || team.name}</h2>
      <FormError message={usage.error || error} />
      {u && (
        <>
          <dl class="facts" data-testid="usage-totals">
            <dt>Apps created</dt>
            <dd>{u.totals.apps ?? 0}</dd>
            <dt>Clusters added</dt>
            <dd>{u.totals.clusters ?? 0}</dd>
            <dt>Build minutes</dt>
            <dd>{u.totals.build_minutes ?? 0}</dd>
          </dl>
          <div class="filter">
            <SelectField id="usage-kind" label="Show" value={kind} onChange={setKind} options={kinds} />
          </div>
          {records.length === 0 ? (
            <p>No usage recorded.</p>
          ) : (
            <table class="list" data-testid="usage">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Of</th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <tr key={r.id}>
                    <td>{new Date(r.recordedAt).toLocaleString()}</td>
                    <td>{kindLabel(r.kind)}</td>
                    <td>{r.quantity}</td>
                    <td class="mono">{r.subjectId}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {next && (
            <button type="button" class="secondary" onClick={loadMore}>
              Show more
            </button>
          )}
        </>
      )}
    </section>
  );
}
