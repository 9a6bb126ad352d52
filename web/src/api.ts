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
  const type = response.headers.get("Content-Type") ?? "";
  const payload = type.includes("application/json") ? await response.json() : await response.text();
  if (!response.ok) {
    const err = typeof payload === "object" && payload && "error" in payload ? payload.error : null;
    if (response.status === 401 && !path.startsWith("/auth/login")) onSignedOut();
    throw new ApiError(
      response.status,
      err?.code ?? "http_" + response.status,
      err?.message ?? `the server answered ${response.status}`,
      err?.field,
    );
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  del: (path: string) => request<void>("DELETE", path),
  text: async (path: string): Promise<string> => {
    const response = await fetch("/api/v1" + path, { credentials: "same-origin" });
    if (!response.ok) throw new ApiError(response.status, "http_" + response.status, `the server answered ${response.status}`);
    return response.text();
  },
};

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}
export interface Team {
  id: string;
  name: string;
  displayName?: string;
  role?: string;
}
export interface Cluster {
  id: string;
  name: string;
  state: string;
  kubeVersion: string | null;
  agentVersion: string | null;
  connectedAt: string | null;
  lastSeenAt: string | null;
  capacity: { nodes: number | null; allocatableCpuMillis: number | null; allocatableMemoryBytes: number | null };
}
export interface Project {
  id: string;
  name: string;
  displayName: string;
  description: string;
  clusterId: string | null;
}
export interface AppReported {
  phase?: string;
  message?: string;
  currentImage?: string;
  previousImage?: string;
  url?: string;
  replicas?: number;
  latestBuild?: string;
  lastUpdated?: string;
}
export interface App {
  id: string;
  name: string;
  displayName: string;
  git: { url?: string; branch?: string };
  envKeys: string[];
  status: { phase: string; message: string };
  reported: AppReported;
  version: number;
}
export interface Build {
  id: string;
  appId: string;
  gitRef: string;
  imageTag: string;
  status: { phase: string; message: string };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface Session {
  user: User;
  csrfToken: string | null;
}

// Encodes one path segment.
export const seg = (s: string) => encodeURIComponent(s);
