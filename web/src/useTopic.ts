// A page section's subscription to one event WebSocket topic while it is
// shown: `onEvent` for each event, `onResync` after a reconnect (events sent
// while offline are not replayed, so the section reloads). The handlers may
// change on every render; the subscription stays.
import { useEffect, useRef } from "preact/hooks";
import type { LiveEvent } from "./live";
import { useSession } from "./session";

export function useTopic(topic: string | null, onEvent: (e: LiveEvent) => void, onResync?: () => void) {
  const { live } = useSession();
  const handlers = useRef({ onEvent, onResync });
  handlers.current = { onEvent, onResync };
  useEffect(() => {
    if (!topic) return;
    return live.subscribe(topic, {
      onEvent: (e) => handlers.current.onEvent(e),
      onResync: () => handlers.current.onResync?.(),
    });
  }, [live, topic]);
}
