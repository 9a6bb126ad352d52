// The REST API as the browser uses it: the session cookie authenticates,
// every write carries the session's CSRF token, and a 4xx becomes an
// ApiError naming the field the server blamed.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}
export function whenSignedOut(handler: () => void) {
  onSignedOut = handler;
}

async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { Accept: "application/json", ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) h["X-CSRF-Token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch("/api/v1" + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "the server cannot be reached; check your connection and try again");
  }
  if (response.status === 204) return undefined as T;
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith("/auth/login")) onSignedOut();
    throw await errorOf(response);
  }
  const type = response.headers.get("Content-Type") ?? "";
  return (type.includes("application/json") ? await response.json() : await response.text()) as T;
}

// The API's error body ({"error": {"code", "message", "field"}}) as an ApiError.
async function errorOf(response: Response): Promise<ApiError> {
  const type = response.headers.get("Content-Type") ?? "";
  const payload = type.includes("application/json") ? await response.json().catch(() => null) : null;
  const err = payload && typeof payload === "object" && "error" in payload ? payload.error : null;
  return new ApiError(response.status, err?.code ?? "http_" + response.status, err?.message ?? `the server answered ${response.status}`, err?.field);
}

// A streamed response read as it arrives, one line at a time (the app log
// route sends chunks as the pods write them). `onOpen` once the server
// accepted the request (a refusal before that is thrown as an ApiError);
// ends when the server ends the body; an abort through `signal` ends it quietly.
async function lines(path: string, accept: string, signal: AbortSignal, onLine: (line: string) => void, onOpen?: () => void): Promise<void> {
  let response: Response;
  try {
    response = await fetch("/api/v1" + path, { headers: { Accept: accept }, credentials: "same-origin", signal });
  } catch {
    if (signal.aborted) return;
    throw new ApiError(0, "network", "the server cannot be reached; check your connection and try again");
  }
  if (!response.ok) throw await errorOf(response);
  onOpen?.();
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    }
  } catch (e) {
    if (signal.aborted) return;
    throw new ApiError(0, "network", "the log stream was cut off: " + (e instanceof Error ? e.message : String(e)));
  }
  if (pending) onLine(pending);
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  del: (path: string) => request<void>("DELETE", path),
  text: async (path: string): Promise<string> => {
    const response = await fetch("/api/v1" + path, { credentials: "same-origin" });
    if (!response.ok) throw await errorOf(response);
    return response.text();
  },
  lines,
};

export type * from "./types";

// Encodes one path segment.
export const seg = (s: string) => encodeURIComponent(s);
