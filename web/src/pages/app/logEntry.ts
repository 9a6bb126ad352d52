// One line of the app log route's NDJSON (docs/logs.md): a pod's line, the
// marker of lines dropped for a slow reader, or the reason the stream ended.
export type LogEntry =
  | { kind: "line"; pod: string; text: string }
  | { kind: "note"; text: string }
  | { kind: "end"; error: string };

export function parseLogEntry(raw: string): LogEntry {
  let o: { pod?: unknown; line?: unknown; dropped?: unknown; message?: unknown; error?: unknown };
  try {
    o = JSON.parse(raw);
  } catch {
    return { kind: "line", pod: "", text: raw };
  }
  if (typeof o.error === "string") return { kind: "end", error: o.error };
  if (typeof o.dropped === "number") return { kind: "note", text: typeof o.message === "string" ? o.message : `${o.dropped} log lines dropped` };
  return { kind: "line", pod: typeof o.pod === "string" ? o.pod : "", text: typeof o.line === "string" ? o.line : raw };
}
