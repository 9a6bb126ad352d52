// The app page's sections as links (each its own URL: bookmarkable, the
// browser's back button works, and they are plain links to keyboard and
// screen-reader users), the current one marked aria-current.
export const appSections = [
  { path: "", title: "Overview" },
  { path: "releases", title: "Releases" },
  { path: "scale", title: "Scale" },
  { path: "domains", title: "Domains" },
  { path: "services", title: "Services" },
  { path: "logs", title: "Logs" },
  { path: "settings", title: "Settings" },
];

export function AppNav({ base, current }: { base: string; current: string }) {
  return (
    <nav aria-label="App sections" class="tabs">
      <ul>
        {appSections.map((s) => (
          <li key={s.path}>
            <a href={s.path ? `${base}/${s.path}` : base} aria-current={s.path === current ? "page" : undefined}>
              {s.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
