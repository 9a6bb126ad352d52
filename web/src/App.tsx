// The shell: restores the session, signs in, holds the team's live
// connection, and routes to the pages. The offline banner is announced
// (role=status) and shown in text, not colour.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, setCsrfToken, whenSignedOut, type Page, type Session, type Team, type User } from "./api";
import { LiveConnection, type LiveState } from "./live";
import { matchRoute, navigate, usePath } from "./router";
import { SessionContext, type SessionState } from "./session";
import { SignIn } from "./pages/SignIn";
import { Projects } from "./pages/Projects";
import { ProjectPage } from "./pages/ProjectPage";
import { Clusters } from "./pages/Clusters";
import { Tokens } from "./pages/Tokens";
import { Members } from "./pages/Members";
import { lazyPage } from "./lazyPage";

// The app page (all its sections) and the licence page come in their own
// chunks, fetched once signed in: the sign-in page does not carry them.
const AppPage = lazyPage(() => import("./pages/AppPage").then((m) => m.AppPage));
const LicencePage = lazyPage(() => import("./pages/LicencePage").then((m) => m.LicencePage));
const preloadPages = () => Promise.all([AppPage.preload(), LicencePage.preload()]).catch(() => {});

type Boot = { kind: "loading" } | { kind: "signedOut" } | { kind: "signedIn"; user: User; teams: Team[] };

export function App() {
  const [boot, setBoot] = useState<Boot>({ kind: "loading" });
  const path = usePath();

  async function loadSignedIn(user: User) {
    const teams = await api.get<Page<Team>>("/teams?limit=100");
    setBoot({ kind: "signedIn", user, teams: teams.items });
  }

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(null);
      setBoot({ kind: "signedOut" });
    });
    api
      .get<Session>("/auth/session")
      .then((s) => {
        setCsrfToken(s.csrfToken);
        return loadSignedIn(s.user);
      })
      .catch(() => setBoot({ kind: "signedOut" }));
  }, []);

  if (boot.kind === "loading") return <p class="loading" role="status">Loading…</p>;
  if (boot.kind === "signedOut")
    return (
      <SignIn
        onSignedIn={async (s) => {
          setCsrfToken(s.csrfToken);
          await loadSignedIn(s.user);
          if (location.pathname === "/signin") navigate("/", true);
        }}
      />
    );
  return <SignedIn user={boot.user} teams={boot.teams} path={path} onSignedOut={() => setBoot({ kind: "signedOut" })} />;
}

function SignedIn({ user, teams, path, onSignedOut }: { user: User; teams: Team[]; path: string; onSignedOut: () => void }) {
  const teamParam = path.match(/^\/teams\/([^/]+)/)?.[1];
  const team = teams.find((t) => t.id === teamParam) ?? teams[0];
  const live = useMemo(() => (team ? new LiveConnection(team.id) : null), [team?.id]);
  const [liveState, setLiveState] = useState<LiveState>("connecting");
  useEffect(() => {
    if (!live) return;
    const off = live.onState(setLiveState);
    return () => {
      off();
      live.close();
    };
  }, [live]);

  useEffect(() => {
    if (team && !teamParam) navigate(`/teams/${team.id}/projects`, true);
  }, [team?.id, teamParam]);
  useEffect(() => {
    preloadPages();
  }, []);

  // Focus moves to the new page's heading, so a screen reader announces it.
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [path]);

  if (!team || !live) return <p>You are not a member of any team. Ask a team owner to add you.</p>;

  const session: SessionState = {
    user,
    teams,
    team,
    live,
    signOut: async () => {
      try {
        await api.post("/auth/logout");
      } finally {
        setCsrfToken(null);
        live.close();
        navigate("/signin", true);
        onSignedOut();
      }
    },
  };

  const base = `/teams/${team.id}`;
  let page;
  let params: Record<string, string> | null;
  if ((params = matchRoute("/teams/:team/projects/:project/apps/:app", path) ?? matchRoute("/teams/:team/projects/:project/apps/:app/:section", path)))
    page = <AppPage key={params.app} project={params.project} app={params.app} section={params.section ?? ""} />;
  else if ((params = matchRoute("/teams/:team/projects/:project", path))) page = <ProjectPage key={params.project} project={params.project} />;
  else if (matchRoute("/teams/:team/clusters", path)) page = <Clusters />;
  else if (matchRoute("/teams/:team/tokens", path)) page = <Tokens />;
  else if (matchRoute("/teams/:team/members", path)) page = <Members />;
  else if (matchRoute("/teams/:team/licence", path)) page = <LicencePage />;
  else page = <Projects />;

  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={`${base}/projects`}>
          ShapeBlock
        </a>
        <nav aria-label="Main">
          {[
            ["projects", "Projects"],
            ["clusters", "Clusters"],
            ["members", "Members"],
            ["tokens", "API tokens"],
            ["licence", "Licence"],
          ].map(([to, label]) => (
            <a key={to} href={`${base}/${to}`} aria-current={path.startsWith(`${base}/${to}`) ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <TeamSwitcher teams={teams} team={team} />
        <span class="who">{user.email}</span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <div role="status" aria-live="polite" class={liveState === "offline" ? "banner offline" : "visually-hidden"}>
        {liveState === "offline" ? "Offline: live updates paused, reconnecting…" : liveState === "online" ? "Live updates connected" : ""}
      </div>
      <main id="main" ref={main}>
        {page}
      </main>
    </SessionContext.Provider>
  );
}

function TeamSwitcher({ teams, team }: { teams: Team[]; team: Team }) {
  return (
    <div class="team-switcher">
      <label for="team-switcher">Team</label>
      <select id="team-switcher" value={team.id} onChange={(e) => navigate(`/teams/${(e.target as HTMLSelectElement).value}/projects`)}>
        {teams.map((t) => (
          <option key={t.id} value={t.id}>
            {t.displayName || t.name}
            {t.role ? ` (${t.role})` : ""}
          </option>
        ))}
      </select>
    </div>
  );
}
