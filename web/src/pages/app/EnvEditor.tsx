// The app's environment: names shown, values hidden until revealed (they
// are fetched only then), edited as rows and saved in one PUT. An error the
// API names ("env.<NAME>") is shown beside that row; the rows stay as typed.
import { useState } from "preact/hooks";
import { api, ApiError } from "../../api";
import { FormError } from "../../components/Field";
import { describe } from "../../forms";

interface Row {
  uid: number;
  key: string;
  value: string;
}
let nextUid = 1;

export function EnvEditor({ base, envKeys: initialKeys }: { base: string; envKeys: string[] }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [envKeys, setEnvKeys] = useState(initialKeys);
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [formError, setFormError] = useState("");
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);

  async function reveal() {
    setFormError("");
    try {
      const { env } = await api.get<{ env: Record<string, string> }>(`${base}/env`);
      setRows(Object.entries(env).map(([key, value]) => ({ uid: nextUid++, key, value })));
    } catch (e) {
      setFormError(describe(e));
    }
  }
  function update(uid: number, patch: Partial<Row>) {
    setRows((rs) => rs!.map((r) => (r.uid === uid ? { ...r, ...patch } : r)));
    setSaved("");
  }
  async function save() {
    if (!rows) return;
    setBusy(true);
    setErrors({});
    setFormError("");
    setSaved("");
    const seen = new Map<string, number>();
    for (const r of rows) {
      if (seen.has(r.key)) {
        setErrors({ [r.uid]: `${r.key} is listed twice` });
        setBusy(false);
        focus(r.uid);
        return;
      }
      seen.set(r.key, r.uid);
    }
    try {
      const env = Object.fromEntries(rows.map((r) => [r.key, r.value]));
      await api.put(`${base}/env`, { env });
      setEnvKeys(Object.keys(env));
      setSaved(`Saved ${rows.length} variable${rows.length === 1 ? "" : "s"}.`);
    } catch (e) {
      const field = e instanceof ApiError ? e.field : undefined;
      const row = field?.startsWith("env.") ? rows.find((r) => r.key === field.slice(4)) : undefined;
      if (row) {
        setErrors({ [row.uid]: describe(e) });
        focus(row.uid);
      } else setFormError(describe(e));
    } finally {
      setBusy(false);
    }
  }
  const focus = (uid: number) => requestAnimationFrame(() => document.getElementById(`env-key-${uid}`)?.focus());

  return (
    <section aria-labelledby="env-heading" class="card">
      <h2 id="env-heading">Environment variables</h2>
      <FormError message={formError} />
      {rows === null ? (
        <>
          {envKeys.length === 0 ? (
            <p>No variables.</p>
          ) : (
            <ul class="env-keys">
              {envKeys.map((k) => (
                <li key={k}>
                  <span class="mono">{k}</span> = <span aria-hidden="true">••••••</span>
                  <span class="visually-hidden">value hidden</span>
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={reveal}>
            Reveal and edit values
          </button>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          {rows.length === 0 && <p>No variables yet.</p>}
          {rows.map((r, i) => (
            <fieldset key={r.uid} class="env-row">
              <legend class="visually-hidden">Variable {i + 1}</legend>
              <div class="field">
                <label for={`env-key-${r.uid}`}>Name</label>
                <input
                  id={`env-key-${r.uid}`}
                  class="mono"
                  value={r.key}
                  aria-invalid={errors[r.uid] ? "true" : undefined}
                  aria-describedby={errors[r.uid] ? `env-error-${r.uid}` : undefined}
                  onInput={(e) => update(r.uid, { key: (e.target as HTMLInputElement).value })}
                />
              </div>
              <div class="field">
                <label for={`env-value-${r.uid}`}>Value</label>
                <input
                  id={`env-value-${r.uid}`}
                  class="mono"
                  value={r.value}
                  autoComplete="off"
                  spellcheck={false}
                  onInput={(e) => update(r.uid, { value: (e.target as HTMLInputElement).value })}
                />
              </div>
              <button type="button" class="secondary" onClick={() => setRows(rows.filter((x) => x.uid !== r.uid))}>
                Remove<span class="visually-hidden"> {r.key || `variable ${i + 1}`}</span>
              </button>
              {errors[r.uid] && (
                <p class="error" id={`env-error-${r.uid}`}>
                  <span aria-hidden="true">⚠ </span>
                  {errors[r.uid]}
                </p>
              )}
            </fieldset>
          ))}
          <div class="actions">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                const uid = nextUid++;
                setRows([...rows, { uid, key: "", value: "" }]);
                focus(uid);
              }}
            >
              Add variable
            </button>
            <button type="submit" disabled={busy}>
              {busy ? "Saving…" : "Save variables"}
            </button>
            <button type="button" class="secondary" onClick={() => setRows(null)}>
              Hide values
            </button>
          </div>
          <p role="status" class="saved">
            {saved}
          </p>
        </form>
      )}
    </section>
  );
}
