// Scale: the replica count, each pod's CPU and memory requests and limits,
// and autoscaling (HPA minimum and maximum, CPU and memory targets). Only
// what changed is sent; a refusal (a bad quantity, the project's quota) is
// shown beside the field the API names, with what was typed kept.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type App } from "../../api";
import { CheckField } from "../../components/CheckField";
import { Field, FieldError, FormError } from "../../components/Field";
import { useFormErrors } from "../../forms";
import { describeReplicas, describeResources } from "./describeScale";
import { autoscalingFields, resourceFields, scaleBody, scaleFields, scaleValues, type ScaleValues } from "./scaleForm";
import type { SectionProps } from "./section";

const resourceLabels: Record<(typeof resourceFields)[number], string> = {
  "resources.requests.cpu": "CPU request",
  "resources.requests.memory": "Memory request",
  "resources.limits.cpu": "CPU limit",
  "resources.limits.memory": "Memory limit",
};
const autoscalingLabels: Record<(typeof autoscalingFields)[number], string> = {
  "autoscaling.minReplicas": "Minimum replicas",
  "autoscaling.maxReplicas": "Maximum replicas",
  "autoscaling.targetCPUUtilizationPercentage": "Target CPU use (%)",
  "autoscaling.targetMemoryUtilizationPercentage": "Target memory use (%)",
};

export function Scale({ app, project, base, onApp }: SectionProps) {
  const [values, setValues] = useState<ScaleValues>(() => scaleValues(app));
  const [saved, setSaved] = useState("");
  const { errors, busy, submit } = useFormErrors(scaleFields);
  // Until something is typed, the form follows the app (a change made
  // elsewhere arrives live); after that it keeps what was typed.
  const edited = useRef(false);
  useEffect(() => {
    if (!edited.current) setValues(scaleValues(app));
  }, [app]);
  const reset = (to: App) => {
    edited.current = false;
    setValues(scaleValues(to));
  };
  const set = (field: keyof ScaleValues) => (value: string | boolean) => {
    edited.current = true;
    setValues((v) => ({ ...v, [field]: value }));
    setSaved("");
  };
  const quota = project?.quota ?? {};
  const quotaText = [quota.cpu && `CPU ${quota.cpu}`, quota.memory && `memory ${quota.memory}`, quota.pods !== undefined && `${quota.pods} pods`]
    .filter(Boolean)
    .join(", ");

  return (
    <>
      <section aria-labelledby="scale-now-heading" class="card">
        <h2 id="scale-now-heading">Now</h2>
        <dl class="facts" aria-live="polite" data-testid="scale-now">
          <dt>Replicas</dt>
          <dd>
            {describeReplicas(app.replicas, app.autoscaling)}
            {app.stopped && " (stopped)"}
          </dd>
          <dt>Per pod</dt>
          <dd>{describeResources(app.resources)}</dd>
          <dt>Project quota</dt>
          <dd>{quotaText || "none"}</dd>
        </dl>
      </section>
      <section aria-labelledby="scale-heading">
        <h2 id="scale-heading">Change the scale</h2>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit(async () => {
              const body = scaleBody(app, values);
              if (!body) {
                setSaved("Nothing to change.");
                return;
              }
              const updated = await api.post<App>(`${base}/scale`, body);
              onApp(updated);
              reset(updated);
              setSaved(`Saved${updated.release ? ` as release v${updated.release}` : ""}.`);
            });
          }}
        >
          <FormError message={errors.form} />
          <Field
            id="replicas"
            label="Replicas"
            type="number"
            min={0}
            max={1000}
            value={values.replicas}
            onInput={set("replicas")}
            error={errors.fields.replicas}
            hint="Pods to run (0–1000); with autoscaling, the autoscaler decides between its minimum and maximum."
          />
          <fieldset aria-describedby="resources-hint">
            <legend>Resources per pod</legend>
            <p class="hint" id="resources-hint">
              Kubernetes quantities: CPU as 250m or 1, memory as 256Mi or 1Gi. Empty: none. The project's quota counts the limit (else the
              request) of every pod.
            </p>
            <FieldError id="resources" error={errors.fields.resources} />
            <div class="grid">
              {resourceFields.map((f) => (
                <Field key={f} id={f} label={resourceLabels[f]} mono value={values[f]} onInput={set(f)} error={errors.fields[f]} />
              ))}
            </div>
          </fieldset>
          <fieldset>
            <legend>Autoscaling</legend>
            <CheckField
              id="autoscaling"
              label="Autoscale between a minimum and a maximum"
              checked={values.autoscaling}
              onChange={set("autoscaling")}
              error={errors.fields.autoscaling}
              hint="A HorizontalPodAutoscaler adds pods when use passes a target; it needs a CPU or memory target."
            />
            {values.autoscaling && (
              <div class="grid">
                {autoscalingFields.map((f) => (
                  <Field key={f} id={f} label={autoscalingLabels[f]} type="number" min={1} max={1000} value={values[f]} onInput={set(f)} error={errors.fields[f]} />
                ))}
              </div>
            )}
          </fieldset>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Saving…" : "Save scale"}
            </button>
            <button type="button" class="secondary" onClick={() => reset(app)}>
              Reset to current
            </button>
          </div>
          <p role="status" class="saved">
            {saved}
          </p>
        </form>
      </section>
    </>
  );
}
