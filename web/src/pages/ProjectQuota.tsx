// A project's quota: total CPU, memory and pods over its apps (the
// Project's ResourceQuota in the cluster; the API refuses a scale, start or
// rollback beyond it). All empty: no quota.
import { useState } from "preact/hooks";
import { api, type Project } from "../api";
import { Field, FormError } from "../components/Field";
import { useFormErrors } from "../forms";

export function ProjectQuota({ base, project, onProject }: { base: string; project: Project; onProject: (p: Project) => void }) {
  const q = project.quota ?? {};
  const [cpu, setCpu] = useState(q.cpu ?? "");
  const [memory, setMemory] = useState(q.memory ?? "");
  const [pods, setPods] = useState(q.pods === undefined ? "" : String(q.pods));
  const [saved, setSaved] = useState("");
  const { errors, busy, submit } = useFormErrors(["quota.cpu", "quota.memory", "quota.pods", "quota"]);

  return (
    <section aria-labelledby="quota-heading">
      <h2 id="quota-heading">Quota</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setSaved("");
          submit(async () => {
            const quota: Record<string, unknown> = {};
            if (cpu.trim()) quota.cpu = cpu.trim();
            if (memory.trim()) quota.memory = memory.trim();
            if (pods.trim()) quota.pods = /^\d+$/.test(pods.trim()) ? Number(pods) : pods.trim();
            const updated = await api.patch<Project>(base, { quota: Object.keys(quota).length ? quota : null });
            onProject(updated);
            setSaved(Object.keys(quota).length ? "Quota saved." : "Quota removed.");
          });
        }}
      >
        <FormError message={errors.form ?? errors.fields.quota} />
        <p class="hint">Totals over the project's apps: each counts its replicas (its maximum with autoscaling) times its per-pod limit. Empty: no limit.</p>
        <div class="grid">
          <Field id="quota.cpu" label="CPU" value={cpu} onInput={setCpu} error={errors.fields["quota.cpu"]} mono placeholder="4" />
          <Field id="quota.memory" label="Memory" value={memory} onInput={setMemory} error={errors.fields["quota.memory"]} mono placeholder="8Gi" />
          <Field id="quota.pods" label="Pods" type="number" min={0} value={pods} onInput={setPods} error={errors.fields["quota.pods"]} placeholder="20" />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save quota"}
        </button>
        <p role="status" class="saved">
          {saved}
        </p>
      </form>
    </section>
  );
}
