// The team's event WebSocket (/api/v1/teams/{team}/events): one connection
// per team, topics subscribed while some page listens to them, reconnects
// by itself with capped exponential back-off and full jitter. After a
// reconnect every listener is told to reload (events sent while offline are
// not replayed), so pages never show stale state without saying so.
export type LiveState = "connecting" | "online" | "offline";

export interface LiveEvent {
  topic: string;
  kind: string;
  seq: number;
  data: Record<string, unknown>;
}

interface Listener {
  onEvent: (e: LiveEvent) => void;
  onResync?: () => void;
}

const kMinDelayMs = 500;
const kMaxDelayMs = 10_000;

export class LiveConnection {
  private socket: WebSocket | null = null;
  private listeners = new Map<string, Set<Listener>>();
  private stateListeners = new Set<(s: LiveState) => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private everOpened = false;
  state: LiveState = "connecting";

  constructor(private readonly team: string) {
    this.connect();
  }

  subscribe(topic: string, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
      this.send("subscribe", topic);
    }
    set.add(listener);
    return () => {
      set!.delete(listener);
      // The last listener gone: the server stops sending the topic.
      if (set!.size === 0 && this.listeners.get(topic) === set) {
        this.listeners.delete(topic);
        this.send("unsubscribe", topic);
      }
    };
  }

  onState(listener: (s: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, "signed out");
  }

  private setState(s: LiveState) {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private send(type: "subscribe" | "unsubscribe", topic: string) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type, topic }));
  }

  private connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/api/v1/teams/${encodeURIComponent(this.team)}/events`);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      for (const topic of this.listeners.keys()) this.send("subscribe", topic);
      this.setState("online");
      if (this.everOpened) for (const set of this.listeners.values()) for (const l of set) l.onResync?.();
      this.everOpened = true;
    };
    socket.onmessage = (message) => {
      let parsed: { type?: string; topic?: string; kind?: string; seq?: number; data?: Record<string, unknown> };
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (parsed.type !== "event" || !parsed.topic) return;
      const event: LiveEvent = { topic: parsed.topic, kind: parsed.kind ?? "", seq: parsed.seq ?? 0, data: parsed.data ?? {} };
      for (const l of this.listeners.get(parsed.topic) ?? []) l.onEvent(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return;
      this.setState("offline");
      const cap = Math.min(kMaxDelayMs, kMinDelayMs * 2 ** this.attempt++);
      this.timer = setTimeout(() => this.connect(), kMinDelayMs / 2 + Math.random() * cap);
    };
  }
}
