// A new service in the app's project: a name, a type from the server's
// list, a chart for type "chart", optional storage; bound to this app at
// once unless unticked. Refusals beside their fields, values kept.
import { useState } from "preact/hooks";
import { api, type Service } from "../../api";
import { CheckField } from "../../components/CheckField";
import { Field, FormError } from "../../components/Field";
import { SelectField } from "../../components/SelectField";
import { useFormErrors } from "../../forms";
import type { SectionProps } from "./section";
import { serviceTypes } from "./serviceTypes";

interface CreateServiceProps extends SectionProps {
  onCreated: (service: Service, bind: boolean) => Promise<void>;
}

export function CreateService({ app, projectBase, onCreated }: CreateServiceProps) {
  const [name, setName] = useState("");
  const [type, setType] = useState(serviceTypes[0].value);
  const [chart, setChart] = useState("");
  const [chartVersion, setChartVersion] = useState("");
  const [storage, setStorage] = useState("");
  const [bind, setBind] = useState(true);
  const [saved, setSaved] = useState("");
  const { errors, busy, submit } = useFormErrors(["name", "type", "chart", "chartVersion", "storage", "services"]);

  return (
    <section aria-labelledby="create-service-heading">
      <h2 id="create-service-heading">Create a service</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved("");
          submit(async () => {
            const body: Record<string, unknown> = { name, type };
            if (type === "chart") {
              body.chart = chart;
              if (chartVersion.trim()) body.chartVersion = chartVersion.trim();
            }
            if (storage.trim()) body.storage = storage.trim();
            const made = await api.post<Service>(`${projectBase}/services`, body);
            setName("");
            setSaved(`Created ${made.name}.`);
            await onCreated(made, bind);
            if (bind) setSaved(`Created ${made.name} and bound it to ${app.name}.`);
          });
        }}
      >
        <FormError message={errors.form ?? errors.fields.services} />
        <Field id="name" label="Name" value={name} onInput={setName} error={errors.fields.name} required hint="Lower-case letters, digits and dashes." />
        <SelectField id="type" label="Type" value={type} onChange={setType} options={serviceTypes} error={errors.fields.type} />
        {type === "chart" && (
          <>
            <Field id="chart" label="Chart" value={chart} onInput={setChart} error={errors.fields.chart} mono placeholder="oci://registry-1.docker.io/bitnamicharts/memcached" />
            <Field id="chartVersion" label="Chart version (optional)" value={chartVersion} onInput={setChartVersion} error={errors.fields.chartVersion} mono />
          </>
        )}
        <Field id="storage" label="Storage (optional)" value={storage} onInput={setStorage} error={errors.fields.storage} mono placeholder="1Gi"
          hint="The volume's size, a Kubernetes quantity; empty: the chart's default." />
        <CheckField id="bind" label={`Bind it to ${app.name}`} checked={bind} onChange={setBind} />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create service"}
        </button>
        <p role="status" class="saved">
          {saved}
        </p>
      </form>
    </section>
  );
}
