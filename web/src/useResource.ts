// One API resource a page shows: loaded when the path changes, reloaded on
// demand (after a reconnect, say), replaced by what a write answered. A
// slower answer to an older load never overwrites a newer one.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api";
import { describe } from "./forms";

export function useResource<T>(path: string) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState("");
  const latest = useRef(0);
  const reload = useCallback(() => {
    const n = ++latest.current;
    api.get<T>(path).then(
      (d) => {
        if (n !== latest.current) return;
        setData(d);
        setError("");
      },
      (e) => n === latest.current && setError(describe(e)),
    );
  }, [path]);
  useEffect(reload, [reload]);
  return { data, setData, error, reload };
}
