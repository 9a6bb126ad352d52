// The server's licence: edition, licensee, limits against what is used,
// and (for server administrators) installing a signed licence document.
import { useState } from "preact/hooks";
import { api, type Licence } from "../../api";
import { Field, FormError } from "../../components/Field";
import { useFormErrors } from "../../forms";
import { useSession } from "../../session";
import { useResource } from "../../useResource";

export function LicenceCard() {
  const { user } = useSession();
  const licence = useResource<Licence>("/licence");
  const l = licence.data;
  return (
    <section aria-labelledby="licence-heading" class="card">
      <h2 id="licence-heading">Licence</h2>
      <FormError message={licence.error} />
      {!l ? (
        !licence.error && <p role="status">Loading the licence…</p>
      ) : (
        <dl class="facts" data-testid="licence">
          <dt>Edition</dt>
          <dd>{l.edition === "multi" ? "Multi-tenant" : "Single-tenant"}</dd>
          <dt>Licensee</dt>
          <dd>{l.installed ? l.licensee : "No licence installed: the free edition's limits apply"}</dd>
          <dt>Clusters</dt>
          <dd>
            <Limit id="limit-clusters" used={l.usage.clusters} max={l.maxClusters} what="clusters" />
          </dd>
          <dt>Users</dt>
          <dd>
            <Limit id="limit-users" used={l.usage.users} max={l.maxUsers} what="users" />
          </dd>
          <dt>Updates until</dt>
          <dd>{l.updatesUntil ? new Date(l.updatesUntil).toLocaleDateString() : "—"}</dd>
          <dt>Issued</dt>
          <dd>{l.issuedAt ? new Date(l.issuedAt).toLocaleDateString() : "—"}</dd>
        </dl>
      )}
      {user.isAdmin && <InstallLicence onInstalled={licence.reload} />}
    </section>
  );
}

// "2 of 5 clusters" in text, with a meter beside it for a glance.
function Limit({ id, used, max, what }: { id: string; used: number; max: number; what: string }) {
  return (
    <>
      <span id={id}>
        {used} of {max} {what}
        {used >= max ? " (limit reached)" : ""}
      </span>{" "}
      <meter min={0} max={max} value={used} high={max} aria-labelledby={id} />
    </>
  );
}

function InstallLicence({ onInstalled }: { onInstalled: () => void }) {
  const [text, setText] = useState("");
  const [saved, setSaved] = useState("");
  const { errors, busy, submit } = useFormErrors(["document"]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setSaved("");
        submit(async () => {
          const l = await api.put<Licence>("/licence", { document: text });
          setText("");
          setSaved(`Installed the licence of ${l.licensee}.`);
          onInstalled();
        });
      }}
    >
      <h3>Install a licence</h3>
      <FormError message={errors.form} />
      <Field id="document" label="Signed licence document" multiline mono value={text} onInput={setText} error={errors.fields.document} required />
      <button type="submit" disabled={busy}>
        {busy ? "Installing…" : "Install licence"}
      </button>
      <p role="status" class="saved">
        {saved}
      </p>
    </form>
  );
}
