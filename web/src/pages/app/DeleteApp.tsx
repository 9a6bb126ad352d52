// Deleting the app, confirmed by typing its name: the check is made here
// (the API deletes at once), its refusal shown beside the field like the
// API's own; what was typed stays.
import { useState } from "preact/hooks";
import { api, ApiError } from "../../api";
import { Field, FormError } from "../../components/Field";
import { useFormErrors } from "../../forms";
import { navigate } from "../../router";
import type { SectionProps } from "./section";

export function DeleteApp({ app, base, projectBase }: SectionProps) {
  const [typed, setTyped] = useState("");
  const { errors, busy, submit } = useFormErrors(["confirm-name"]);
  return (
    <section aria-labelledby="delete-heading" class="card danger-zone">
      <h2 id="delete-heading">Delete this app</h2>
      <p>
        Deleting <strong>{app.name}</strong> removes it from the cluster (its pods, domains and certificates) and its builds and releases from
        ShapeBlock. Bound services and their data stay. This cannot be undone.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit(async () => {
            if (typed.trim() !== app.name)
              throw new ApiError(400, "confirmation", `type the app's name, ${app.name}, exactly to delete it`, "confirm-name");
            await api.del(base);
            navigate(projectBase);
          });
        }}
      >
        <FormError message={errors.form} />
        <Field id="confirm-name" label={`Type ${app.name} to confirm`} value={typed} onInput={setTyped} error={errors.fields["confirm-name"]}
          autoComplete="off" mono />
        <button type="submit" class="danger" disabled={busy}>
          {busy ? "Deleting…" : `Delete ${app.name}`}
        </button>
      </form>
    </section>
  );
}
