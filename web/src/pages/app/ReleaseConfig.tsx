// What a release deploys besides its image: the config recorded with it.
import type { Release } from "../../api";
import { describeReplicas, describeResources } from "./describeScale";

export function ReleaseConfig({ config }: { config: Release["config"] }) {
  const list = (items?: string[]) => (items && items.length ? items.join(", ") : "none");
  return (
    <dl class="facts">
      <dt>Replicas</dt>
      <dd>{describeReplicas(config.replicas, config.autoscaling)}</dd>
      <dt>Resources</dt>
      <dd>{describeResources(config.resources)}</dd>
      <dt>Domains</dt>
      <dd>{list(config.domains)}</dd>
      <dt>Services</dt>
      <dd>{list(config.services)}</dd>
      <dt>Env names</dt>
      <dd class="mono">{list(config.envKeys)}</dd>
    </dl>
  );
}
