// The scale form's values, keyed by the API's field names (so an error the
// API names lands beside its input), read from an app and turned into the
// body of POST .../scale with only the groups that changed: the API blames
// a quota refusal on the per-pod limit when only resources changed, on the
// replica count otherwise.
import type { App, CpuMemory, Resources } from "../../api";

export const resourceFields = [
  "resources.requests.cpu",
  "resources.requests.memory",
  "resources.limits.cpu",
  "resources.limits.memory",
] as const;
export const autoscalingFields = [
  "autoscaling.minReplicas",
  "autoscaling.maxReplicas",
  "autoscaling.targetCPUUtilizationPercentage",
  "autoscaling.targetMemoryUtilizationPercentage",
] as const;
type TextField = "replicas" | (typeof resourceFields)[number] | (typeof autoscalingFields)[number];
export type ScaleValues = Record<TextField, string> & { autoscaling: boolean };
export const scaleFields: string[] = ["replicas", "resources", ...resourceFields, "autoscaling", ...autoscalingFields];

const text = (v: string | number | undefined | null) => (v === undefined || v === null ? "" : String(v));

export function scaleValues(app: App): ScaleValues {
  const r = app.resources ?? {};
  const a = app.autoscaling;
  return {
    replicas: text(app.replicas),
    "resources.requests.cpu": text(r.requests?.cpu),
    "resources.requests.memory": text(r.requests?.memory),
    "resources.limits.cpu": text(r.limits?.cpu),
    "resources.limits.memory": text(r.limits?.memory),
    autoscaling: a !== null && a !== undefined,
    "autoscaling.minReplicas": text(a?.minReplicas ?? 1),
    "autoscaling.maxReplicas": text(a?.maxReplicas ?? Math.max(2, app.replicas)),
    "autoscaling.targetCPUUtilizationPercentage": text(a ? a.targetCPUUtilizationPercentage : 80),
    "autoscaling.targetMemoryUtilizationPercentage": text(a?.targetMemoryUtilizationPercentage),
  };
}

// A whole number as a number; anything else as typed, for the API to refuse by name.
const count = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : v);

// Requests and limits without empty members; null when none is left.
function tidy(r: Resources | null | undefined): Resources | null {
  const pair = (q?: CpuMemory) => {
    const o: CpuMemory = {};
    if (q?.cpu?.trim()) o.cpu = q.cpu.trim();
    if (q?.memory?.trim()) o.memory = q.memory.trim();
    return o.cpu || o.memory ? o : undefined;
  };
  const requests = pair(r?.requests);
  const limits = pair(r?.limits);
  if (!requests && !limits) return null;
  return { ...(requests && { requests }), ...(limits && { limits }) };
}

function resourcesOf(v: ScaleValues): Resources | null {
  return tidy({
    requests: { cpu: v["resources.requests.cpu"], memory: v["resources.requests.memory"] },
    limits: { cpu: v["resources.limits.cpu"], memory: v["resources.limits.memory"] },
  });
}

function autoscalingOf(v: ScaleValues): Record<string, unknown> | null {
  if (!v.autoscaling) return null;
  const out: Record<string, unknown> = {};
  for (const f of autoscalingFields) if (v[f].trim()) out[f.slice("autoscaling.".length)] = count(v[f]);
  return out;
}

// Compared member by member, whatever the order of the keys.
const same = (a: object | null | undefined, b: object | null | undefined) => {
  const norm = (o: object | null | undefined): string =>
    o ? JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, typeof v === "object" ? norm(v) : v])) : "null";
  return norm(a) === norm(b);
};

// The body of POST .../scale, or null when nothing differs from the app.
export function scaleBody(app: App, v: ScaleValues): Record<string, unknown> | null {
  const body: Record<string, unknown> = {};
  if (v.replicas !== text(app.replicas)) body.replicas = count(v.replicas);
  const resources = resourcesOf(v);
  if (!same(resources, tidy(app.resources))) body.resources = resources;
  const autoscaling = autoscalingOf(v);
  if (!same(autoscaling, app.autoscaling)) body.autoscaling = autoscaling;
  return Object.keys(body).length ? body : null;
}
