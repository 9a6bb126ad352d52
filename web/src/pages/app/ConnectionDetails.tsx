// Where a service's credentials are: generated in the cluster and kept only
// there, in the service's connection Secret (the API never holds them), and
// handed to bound apps as environment variables. Shown only on request.
import { useState } from "preact/hooks";
import type { Service } from "../../api";

export function ConnectionDetails({ service, namespace, secret }: { service: Service; namespace: string; secret?: string }) {
  const [open, setOpen] = useState(false);
  // The operator names it <service>-connection and reports the name in the service's status.
  const name = secret ?? `${service.name}-connection`;
  const id = `connection-${service.id}`;
  return (
    <>
      <button type="button" class="secondary" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {open ? "Hide" : "Show"} connection details<span class="visually-hidden"> of {service.name}</span>
      </button>
      <div id={id} hidden={!open} class="details">
        {open && (
          <>
            <p>
              Bound apps get the connection (host, port, user, password, URL) as environment variables from the Secret{" "}
              <span class="mono">{name}</span> in the namespace <span class="mono">{namespace}</span>. The credentials are generated in the
              cluster and never leave it, so the console cannot show them; read them with:
            </p>
            <pre class="command" tabIndex={0}>
              kubectl -n {namespace} get secret {name} -o go-template='{"{{range $k, $v := .data}}{{$k}}={{$v | base64decode}}{{\"\\n\"}}{{end}}"}'
            </pre>
          </>
        )}
      </div>
    </>
  );
}
