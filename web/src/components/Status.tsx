// A phase as a badge: its name in text, plus a shape, so state never hangs on colour.
const kinds: Record<string, string> = {
  Running: "ok", Completed: "ok", connected: "ok", Ready: "ok", issued: "ok",
  Pending: "wait", Building: "wait", Deploying: "wait", Deleting: "wait", connecting: "wait", never_connected: "wait", pending: "wait",
  Failed: "bad", Error: "bad", disconnected: "bad", Deleted: "bad", failed: "bad",
  Stopped: "off", none: "off",
};
const marks: Record<string, string> = { ok: "●", wait: "◐", bad: "✕", off: "○" };

export function StatusBadge({ phase }: { phase: string }) {
  const kind = kinds[phase] ?? "off";
  return (
    <span class={"badge badge-" + kind}>
      <span aria-hidden="true">{marks[kind]} </span>
      {phase || "Unknown"}
    </span>
  );
}
