// The signed-in user's API tokens: listed, created (the value shown once,
// to copy), revoked. The CLI and scripts authenticate with these.
import { useEffect, useState } from "preact/hooks";
import { api, seg, type Page } from "../api";
import { Field, FormError } from "../components/Field";
import { describe, useFormErrors } from "../forms";

interface Token {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

const when = (t: string | null) => (t ? new Date(t).toLocaleString() : "—");

export function Tokens() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const { errors, busy, submit } = useFormErrors(["name", "expiresInDays"]);

  function load() {
    api.get<Page<Token>>("/me/tokens?limit=100").then((t) => setTokens(t.items), (e) => setLoadError(describe(e)));
  }
  useEffect(load, []);

  return (
    <>
      <h1 tabIndex={-1}>API tokens</h1>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      {shown && (
        <section class="card" aria-labelledby="new-token">
          <h2 id="new-token">Token {shown.name}</h2>
          <p>Copy it now: it is not shown again.</p>
          <pre class="command" tabIndex={0} data-testid="new-token">
            {shown.token}
          </pre>
        </section>
      )}
      {tokens === null ? (
        <p role="status">Loading tokens…</p>
      ) : tokens.length === 0 ? (
        <p>No tokens.</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-token={t.name}>
                <td>{t.name}</td>
                <td>{when(t.createdAt)}</td>
                <td>{t.expiresAt ? when(t.expiresAt) : "never"}</td>
                <td>{when(t.lastUsedAt)}</td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => api.del(`/me/tokens/${seg(t.id)}`).then(load, (e) => setLoadError(describe(e)))}
                  >
                    Revoke<span class="visually-hidden"> {t.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section aria-labelledby="create-token">
        <h2 id="create-token">Create a token</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              const body: Record<string, unknown> = { name };
              if (days.trim()) body.expiresInDays = Number(days);
              const made = await api.post<Token & { token: string }>("/me/tokens", body);
              setShown({ name: made.name, token: made.token });
              load();
            });
          }}
        >
          <FormError message={errors.form} />
          <Field id="name" label="Name" value={name} onInput={setName} error={errors.fields.name} required />
          <Field id="expiresInDays" label="Expires in days (empty: never)" type="number" value={days} onInput={setDays}
            error={errors.fields.expiresInDays} />
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create token"}
          </button>
        </form>
      </section>
    </>
  );
}
