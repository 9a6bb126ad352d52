// The team's members and their roles: add by e-mail (the user must exist),
// change a role, remove. A refused change (the last owner, a role above
// one's own) is shown on that member's row.
import { useEffect, useState } from "preact/hooks";
import { api, seg, type Page } from "../api";
import { Field, FormError } from "../components/Field";
import { SelectField } from "../components/SelectField";
import { describe, useFormErrors } from "../forms";
import { useSession } from "../session";

interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  since: string;
}
const roles = ["viewer", "developer", "admin", "owner"];

export function Members() {
  const { team } = useSession();
  const base = `/teams/${seg(team.id)}/members`;
  const [members, setMembers] = useState<Member[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("developer");
  const { errors, busy, submit } = useFormErrors(["email", "role"]);

  function load() {
    api.get<Page<Member>>(`${base}?limit=100`).then((m) => setMembers(m.items), (e) => setLoadError(describe(e)));
  }
  useEffect(load, [team.id]);

  async function change(m: Member, action: () => Promise<unknown>) {
    setRowErrors({});
    try {
      await action();
      load();
    } catch (e) {
      setRowErrors({ [m.userId]: describe(e) });
      load();
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>Members of {team.displayName || team.name}</h1>
      {loadError && <p role="alert" class="error">{loadError}</p>}
      {members === null ? (
        <p role="status">Loading members…</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span class="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId} data-member={m.email}>
                <td>
                  {m.name} <span class="message">{m.email}</span>
                  {rowErrors[m.userId] && (
                    <p class="error" role="alert" id={`member-error-${m.userId}`}>
                      <span aria-hidden="true">⚠ </span>
                      {rowErrors[m.userId]}
                    </p>
                  )}
                </td>
                <td>
                  <label class="visually-hidden" for={`role-${m.userId}`}>
                    Role of {m.email}
                  </label>
                  <select
                    id={`role-${m.userId}`}
                    value={m.role}
                    aria-describedby={rowErrors[m.userId] ? `member-error-${m.userId}` : undefined}
                    onChange={(e) => change(m, () => api.patch(`${base}/${seg(m.userId)}`, { role: (e.target as HTMLSelectElement).value }))}
                  >
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button type="button" class="secondary" onClick={() => change(m, () => api.del(`${base}/${seg(m.userId)}`))}>
                    Remove<span class="visually-hidden"> {m.email}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section aria-labelledby="add-member">
        <h2 id="add-member">Add a member</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              await api.post(base, { email, role });
              setEmail("");
              load();
            });
          }}
        >
          <FormError message={errors.form} />
          <Field id="email" label="E-mail of an existing user" type="email" value={email} onInput={setEmail} error={errors.fields.email} required />
          <SelectField id="role" label="Role" value={role} onChange={setRole} error={errors.fields.role} options={roles.map((r) => ({ value: r, label: r }))} />
          <button type="submit" disabled={busy}>
            {busy ? "Adding…" : "Add member"}
          </button>
        </form>
      </section>
    </>
  );
}
