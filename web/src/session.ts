// Who is signed in, the teams they belong to, and the live connection of
// the team being looked at, shared by every page through a context.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Team, User } from "./api";
import type { LiveConnection } from "./live";

export interface SessionState {
  user: User;
  teams: Team[];
  team: Team;
  live: LiveConnection;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}
