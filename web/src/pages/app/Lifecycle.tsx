// Restart (a rolling restart of the pods), stop (scale to zero, the replica
// count and autoscaling remembered) and start (checked against the
// project's quota). Stopping asks first.
import { useState } from "preact/hooks";
import { api, type App } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormError } from "../../components/Field";
import { describe } from "../../forms";
import { describeReplicas } from "./describeScale";
import type { SectionProps } from "./section";

type Action = "restart" | "stop" | "start";
const done: Record<Action, string> = {
  restart: "Restart requested: the pods are replaced one by one.",
  stop: "Stopped: the app is scaling to zero.",
  start: "Started: the app is scaling back up.",
};

export function Lifecycle({ app, base, onApp }: SectionProps) {
  const [busy, setBusy] = useState<Action | null>(null);
  const [confirmStop, setConfirmStop] = useState(false);
  const [error, setError] = useState("");
  const [message, setMessage] = useState("");
  const replicas = describeReplicas(app.replicas, app.autoscaling);

  async function run(action: Action) {
    setBusy(action);
    setError("");
    setMessage("");
    try {
      onApp(await api.post<App>(`${base}/${action}`));
      setMessage(done[action]);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="lifecycle-heading" class="card">
      <h2 id="lifecycle-heading">Run state</h2>
      <p data-testid="run-state">
        {app.stopped ? (
          <>
            <strong>Stopped:</strong> starting brings back {replicas}.
          </>
        ) : (
          <>
            <strong>Started:</strong> {replicas} wanted.
          </>
        )}
        {app.restartedAt && <span class="message"> Last restart requested {new Date(app.restartedAt).toLocaleString()}.</span>}
      </p>
      <FormError message={error} />
      <div class="actions">
        <button type="button" class="secondary" disabled={busy !== null || app.stopped} onClick={() => run("restart")}>
          {busy === "restart" ? "Restarting…" : "Restart"}
        </button>
        {app.stopped ? (
          <button type="button" disabled={busy !== null} onClick={() => run("start")}>
            {busy === "start" ? "Starting…" : "Start"}
          </button>
        ) : (
          <button type="button" class="secondary" disabled={busy !== null} onClick={() => setConfirmStop(true)}>
            Stop
          </button>
        )}
      </div>
      <p role="status" class="saved">
        {message}
      </p>
      {confirmStop && (
        <ConfirmDialog
          title={`Stop ${app.name}?`}
          confirmLabel="Stop app"
          danger
          onClose={() => setConfirmStop(false)}
          onConfirm={async () => {
            onApp(await api.post<App>(`${base}/stop`));
            setConfirmStop(false);
            setMessage(done.stop);
          }}
        >
          <p>
            Its pods are scaled to zero and it stops answering requests. Starting it again brings back {replicas}.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
