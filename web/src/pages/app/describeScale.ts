// The scale settings in words, for the app's status and its releases.
import type { Autoscaling, Resources } from "../../api";

export function describeReplicas(replicas: number | undefined, autoscaling: Autoscaling | null | undefined): string {
  if (autoscaling) {
    const targets = [
      autoscaling.targetCPUUtilizationPercentage ? `CPU ${autoscaling.targetCPUUtilizationPercentage}%` : "",
      autoscaling.targetMemoryUtilizationPercentage ? `memory ${autoscaling.targetMemoryUtilizationPercentage}%` : "",
    ].filter(Boolean);
    return `${autoscaling.minReplicas}–${autoscaling.maxReplicas} replicas, autoscaled${targets.length ? " at " + targets.join(", ") : ""}`;
  }
  const n = replicas ?? 1;
  return `${n} replica${n === 1 ? "" : "s"}`;
}

export function describeResources(resources: Resources | undefined): string {
  const part = (name: string, q?: { cpu?: string; memory?: string }) => {
    const bits = [q?.cpu ? `CPU ${q.cpu}` : "", q?.memory ? `memory ${q.memory}` : ""].filter(Boolean);
    return bits.length ? `${name} ${bits.join(", ")}` : "";
  };
  const text = [part("requests", resources?.requests), part("limits", resources?.limits)].filter(Boolean).join("; ");
  return text || "no requests or limits";
}
