// The licence and the team's usage.
import { LicenceCard } from "./licence/LicenceCard";
import { UsageCard } from "./licence/UsageCard";

export function LicencePage() {
  return (
    <>
      <h1 tabIndex={-1}>Licence and usage</h1>
      <LicenceCard />
      <UsageCard />
    </>
  );
}
