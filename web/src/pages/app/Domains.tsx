// The app's custom domains: each host's DNS target and certificate state
// (pending, issued, failed with the ACME reason) as the operator reports
// them, live (re-read on app.status / app.updated), the app's URL and its
// generated default host.
// Adding a host shows a refusal beside the field; removing asks first.
import { useState } from "preact/hooks";
import { api, seg, type App, type DomainState, type Domains as DomainList } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field, FormError } from "../../components/Field";
import { StatusBadge } from "../../components/Status";
import { useFormErrors } from "../../forms";
import { useResource } from "../../useResource";
import { useTopic } from "../../useTopic";
import type { SectionProps } from "./section";

export function Domains({ app, base, onApp }: SectionProps) {
  const domains = useResource<DomainList>(`${base}/domains`);
  const [host, setHost] = useState("");
  const [removing, setRemoving] = useState<string | null>(null);
  const [message, setMessage] = useState("");
  const { errors, busy, submit } = useFormErrors(["host"]);
  useTopic(
    `app:${app.id}`,
    (e) => {
      if (e.kind === "app.status" || e.kind === "app.updated") domains.reload();
    },
    domains.reload,
  );
  const list = domains.data;
  const target = list?.dnsTarget;

  return (
    <>
      <section aria-labelledby="addresses-heading" class="card">
        <h2 id="addresses-heading">Addresses</h2>
        <FormError message={domains.error} />
        <dl class="facts" data-testid="addresses">
          <dt>URL</dt>
          <dd>{app.reported?.url ? <a href={app.reported.url} rel="noreferrer">{app.reported.url}</a> : "not reported yet"}</dd>
          <dt>Default host</dt>
          <dd>
            {list?.default ? (
              <>
                <span class="mono">{list.default.host}</span> <Certificate d={list.default} />
              </>
            ) : (
              "not reported yet: the cluster reports it once the app is deployed"
            )}
          </dd>
          <dt>DNS target</dt>
          <dd>
            {target ? <span class="mono">{target}</span> : "not reported yet: the cluster reports its ingress address once the app is deployed"}
          </dd>
        </dl>
      </section>
      <section aria-labelledby="domains-heading">
        <h2 id="domains-heading">Custom domains</h2>
        {!list ? (
          !domains.error && <p role="status">Loading domains…</p>
        ) : list.items.length === 0 ? (
          <p>No custom domains.</p>
        ) : (
          <table class="list" data-testid="domains">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Point DNS at</th>
                <th scope="col">Certificate</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {list.items.map((d) => (
                <tr key={d.host} data-domain={d.host}>
                  <td class="mono">{d.host}</td>
                  <td class="mono">{d.dnsTarget ?? "—"}</td>
                  <td>
                    <Certificate d={d} />
                  </td>
                  <td>
                    <button type="button" class="secondary" onClick={() => setRemoving(d.host)}>
                      Remove<span class="visually-hidden"> {d.host}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              const added = host.trim().toLowerCase();
              onApp(await api.post<App>(`${base}/domains`, { host: host.trim() }));
              setHost("");
              domains.reload();
              setMessage(`Added ${added}: point its DNS at ${target ?? "the cluster's ingress address"}; the certificate follows.`);
            });
          }}
        >
          <FormError message={errors.form} />
          <Field id="host" label="Add a domain" value={host} onInput={setHost} error={errors.fields.host} placeholder="shop.example.com" mono />
          <button type="submit" disabled={busy}>
            {busy ? "Adding…" : "Add domain"}
          </button>
        </form>
        <p role="status" class="saved">
          {message}
        </p>
      </section>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing}?`}
          confirmLabel="Remove domain"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.del(`${base}/domains/${seg(removing)}`);
            setMessage(`Removed ${removing}.`);
            setRemoving(null);
            domains.reload();
          }}
        >
          <p>The app stops answering on {removing} and its certificate is no longer renewed.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

// A certificate's state in words: failed with its reason, issued with its expiry.
function Certificate({ d }: { d: DomainState }) {
  return (
    <span data-certificate={d.certificate}>
      <span class="visually-hidden">Certificate: </span>
      <StatusBadge phase={d.certificate} />
      {d.certificate === "failed" && d.reason && <span class="message"> {d.reason}</span>}
      {d.certificate === "issued" && d.notAfter && <span class="message"> until {new Date(d.notAfter).toLocaleDateString()}</span>}
      {!d.reported && <span class="message"> (waiting for the cluster)</span>}
    </span>
  );
}
