// What every section of the app page gets: the app as last loaded (kept
// live by the page), the API paths of the app and its project, and a way
// to hand back the app a write answered with.
import type { App, Project } from "../../api";

export interface SectionProps {
  app: App;
  project: Project | null;
  base: string; // the app's path: /teams/{team}/projects/{project}/apps/{app}
  projectBase: string; // /teams/{team}/projects/{project}
  onApp: (app: App) => void;
}
