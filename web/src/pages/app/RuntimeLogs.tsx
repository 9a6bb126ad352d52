// The app's runtime logs through the server's streamed log route (GET
// .../logs, NDJSON): the last N lines of each pod, one pod or all of them,
// optionally since a time, and followed live until stopped. A refused
// option is shown beside its field; how the stream ended is said in text.
// The pods seen in the output are offered for the pod field (no route lists
// an app's pods).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api";
import { CheckField } from "../../components/CheckField";
import { Field, FormError } from "../../components/Field";
import { describe, useFormErrors } from "../../forms";
import { parseLogEntry } from "./logEntry";
import type { SectionProps } from "./section";

const kMaxLines = 5000;
type StreamState = "idle" | "open" | "ended";

export function RuntimeLogs({ base }: SectionProps) {
  const [tail, setTail] = useState("100");
  const [pod, setPod] = useState("");
  const [since, setSince] = useState("");
  const [follow, setFollow] = useState(true);
  const [pods, setPods] = useState<string[]>([]);
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<StreamState>("idle");
  const [note, setNote] = useState("");
  const { errors, busy, submit } = useFormErrors(["tail", "pod", "since", "follow"]);
  const stream = useRef<AbortController | null>(null);
  const pending = useRef<string[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(
    () => () => {
      stream.current?.abort();
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  // Stays at the bottom while new lines come, unless the reader scrolled up.
  useEffect(() => {
    if (stick.current && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [lines]);

  // Lines are shown in batches, at most the last kMaxLines.
  function push(text: string) {
    pending.current.push(text);
    timer.current ??= setTimeout(() => {
      timer.current = null;
      const add = pending.current;
      pending.current = [];
      setLines((l) => {
        const all = l.concat(add);
        return all.length > kMaxLines ? all.slice(-kMaxLines) : all;
      });
    }, 50);
  }

  function stop() {
    stream.current?.abort();
    stream.current = null;
    setState("ended");
    setNote("Stopped.");
  }

  function open() {
    stream.current?.abort();
    const controller = new AbortController();
    stream.current = controller;
    const q = new URLSearchParams();
    if (tail.trim()) q.set("tail", tail.trim());
    if (pod.trim()) q.set("pod", pod.trim());
    if (since.trim()) q.set("since", since.trim());
    if (follow) q.set("follow", "true");
    const allPods = !pod.trim();
    setLines([]);
    pending.current = [];
    setNote("");
    setState("idle");
    let endError = "";
    const onLine = (raw: string) => {
      const e = parseLogEntry(raw);
      if (e.kind === "end") endError = e.error;
      else if (e.kind === "note") push(`[shapeblock] ${e.text}`);
      else {
        if (e.pod) setPods((p) => (p.includes(e.pod) ? p : [...p, e.pod].sort()));
        push(allPods && e.pod ? `[${e.pod}] ${e.text}` : e.text);
      }
    };
    const ended = (why: string) => {
      if (controller !== stream.current) return; // stopped, or replaced by a newer stream
      stream.current = null;
      setState("ended");
      setNote(why ? `The log stream ended: ${why}` : "The log stream ended.");
    };
    submit(
      () =>
        new Promise<void>((accepted, refused) => {
          let isOpen = false;
          const onOpen = () => {
            isOpen = true;
            setState("open");
            setNote(follow ? "Following live…" : "Reading…");
            accepted();
          };
          api.lines(`${base}/logs?${q}`, "application/x-ndjson", controller.signal, onLine, onOpen).then(
            () => {
              ended(endError);
              accepted();
            },
            (e) => (isOpen ? ended(describe(e)) : refused(e)),
          );
        }),
    );
  }

  return (
    <section aria-labelledby="logs-heading">
      <h2 id="logs-heading">Runtime logs</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <FormError message={errors.form} />
        <div class="grid">
          <Field id="tail" label="Last lines of each pod" type="number" min={0} max={100000} value={tail} onInput={setTail} error={errors.fields.tail}
            hint="Empty: the whole log." />
          <Field id="pod" label="Pod" value={pod} onInput={setPod} error={errors.fields.pod} list="pods-seen" mono
            hint={pods.length ? "Empty: all pods. Pods seen so far are suggested." : "Empty: all pods."} />
          <Field id="since" label="Since (optional)" value={since} onInput={setSince} error={errors.fields.since} mono placeholder="5m"
            hint="A duration (30s, 5m, 2h) or a time (2026-12-03T10:00:00Z)." />
        </div>
        <datalist id="pods-seen">
          {pods.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <CheckField id="follow" label="Follow: keep showing new lines as the pods write them" checked={follow} onChange={setFollow} error={errors.fields.follow} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {state === "open" ? "Restart with these options" : follow ? "Follow logs" : "Show logs"}
          </button>
          {state === "open" && (
            <button type="button" class="secondary" onClick={stop}>
              Stop
            </button>
          )}
        </div>
      </form>
      <p role="status" class="saved" data-testid="log-state">
        {note}
      </p>
      <div class="log">
        <pre
          ref={pre}
          tabIndex={0}
          role="log"
          aria-label="Runtime log"
          data-testid="runtime-log"
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 24;
          }}
        >
          {lines.length ? lines.join("\n") : state === "idle" ? "Choose the options and show the logs." : state === "open" ? "Waiting for output…" : "No output."}
        </pre>
      </div>
    </section>
  );
}
