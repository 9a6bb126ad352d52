// The project's services (databases, caches, queues) with their state live
// (service.* events on project:<id>), bound to this app or not: binding
// changes the app's `services` list (PATCH), and the cluster hands the app
// the service's connection as environment variables. Unbinding asks first.
import { useState } from "preact/hooks";
import { api, type App, type Page, type Service } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormError } from "../../components/Field";
import { StatusBadge } from "../../components/Status";
import { describe } from "../../forms";
import { useResource } from "../../useResource";
import { useTopic } from "../../useTopic";
import { ConnectionDetails } from "./ConnectionDetails";
import { CreateService } from "./CreateService";
import type { SectionProps } from "./section";

export function Services(props: SectionProps) {
  const { app, project, projectBase, base, onApp } = props;
  const services = useResource<Page<Service>>(`${projectBase}/services?limit=100`);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [unbinding, setUnbinding] = useState<Service | null>(null);
  const [message, setMessage] = useState("");
  useTopic(
    project ? `project:${project.id}` : null,
    (e) => {
      if (e.kind === "service.status") {
        const d = e.data as { id: string; status: Service["status"]; reported?: { connectionSecretName?: string } };
        const secret = d.reported?.connectionSecretName;
        if (secret) setSecrets((s) => ({ ...s, [d.id]: secret }));
        services.setData((p) => p && { ...p, items: p.items.map((s) => (s.id === d.id ? { ...s, status: d.status } : s)) });
      } else if (e.kind.startsWith("service.")) services.reload();
    },
    services.reload,
  );
  const bound = app.services ?? [];

  // Throws the API's refusal for the caller to show beside what was clicked.
  async function bind(service: Service, on: boolean) {
    setRowErrors({});
    setMessage("");
    const next = on ? [...bound, service.id] : bound.filter((id) => id !== service.id);
    onApp(await api.patch<App>(base, { services: next }));
    setMessage(`${on ? "Bound" : "Unbound"} ${service.name}: the app is redeployed ${on ? "with" : "without"} its connection.`);
  }

  const list = services.data?.items;
  return (
    <>
      <section aria-labelledby="services-heading" class="card">
        <h2 id="services-heading">Services of the project</h2>
        <FormError message={services.error} />
        {!list ? (
          !services.error && <p role="status">Loading services…</p>
        ) : list.length === 0 ? (
          <p>No services in this project yet: create one below.</p>
        ) : (
          <table class="list" data-testid="services">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Status</th>
                <th scope="col">This app</th>
                <th scope="col">
                  <span class="visually-hidden">Connection</span>
                </th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {list.map((s) => {
                const isBound = bound.includes(s.id);
                return (
                  <tr key={s.id} data-service={s.name}>
                    <td>
                      {s.name} <span class="tag">{s.type}</span>
                      {rowErrors[s.id] && (
                        <p class="error" role="alert">
                          <span aria-hidden="true">⚠ </span>
                          {rowErrors[s.id]}
                        </p>
                      )}
                    </td>
                    <td>
                      <StatusBadge phase={s.status.phase} />
                    </td>
                    <td>
                      <span data-bound={isBound ? "yes" : "no"}>{isBound ? "Bound" : "Not bound"}</span>{" "}
                      {isBound ? (
                        <button type="button" class="secondary" onClick={() => setUnbinding(s)}>
                          Unbind<span class="visually-hidden"> {s.name}</span>
                        </button>
                      ) : (
                        <button type="button" class="secondary" onClick={() => bind(s, true).catch((e) => setRowErrors({ [s.id]: describe(e) }))}>
                          Bind<span class="visually-hidden"> {s.name}</span>
                        </button>
                      )}
                    </td>
                    <td>
                      <ConnectionDetails service={s} namespace={project?.name ?? ""} secret={secrets[s.id]} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p role="status" class="saved">
          {message}
        </p>
      </section>
      <CreateService
        {...props}
        onCreated={(s, bindIt) => {
          services.setData((p) => p && { ...p, items: [...p.items.filter((x) => x.id !== s.id), s] });
          return bindIt ? bind(s, true) : Promise.resolve();
        }}
      />
      {unbinding && (
        <ConfirmDialog
          title={`Unbind ${unbinding.name} from ${app.name}?`}
          confirmLabel="Unbind"
          danger
          onClose={() => setUnbinding(null)}
          onConfirm={async () => {
            await bind(unbinding, false);
            setUnbinding(null);
          }}
        >
          <p>The app is redeployed without the service's connection variables. The service and its data stay.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
