// The app at a glance: its status, run state (restart/stop/start), builds
// with their logs, and environment variables.
import { Builds } from "./Builds";
import { EnvEditor } from "./EnvEditor";
import { Lifecycle } from "./Lifecycle";
import type { SectionProps } from "./section";
import { StatusFacts } from "./StatusFacts";

export function Overview(props: SectionProps) {
  return (
    <>
      <StatusFacts app={props.app} />
      <Lifecycle {...props} />
      <Builds base={props.base} appId={props.app.id} />
      <EnvEditor base={props.base} envKeys={props.app.envKeys} />
    </>
  );
}
