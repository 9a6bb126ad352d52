// A page in its own chunk, fetched on first use or by preload(), so the
// first page (sign-in) does not carry it. Until it is there a status says
// so; once it shows, focus goes to its heading if nothing else has it.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<void> | null = null;
  const preload = () =>
    (loading ??= load().then(
      (c) => {
        loaded = c;
      },
      (e) => {
        loading = null; // the next attempt fetches again
        throw e;
      },
    ));

  function LazyPage(props: P) {
    const [, setReady] = useState(loaded !== null);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      preload().then(
        () => {
          setReady(true);
          requestAnimationFrame(() => {
            if (!document.activeElement || document.activeElement === document.body) document.querySelector<HTMLElement>("main h1")?.focus();
          });
        },
        () => setFailed(true),
      );
    }, []);
    if (failed)
      return (
        <p role="alert" class="error">
          This page could not be loaded.{" "}
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </p>
      );
    if (!loaded) return <p role="status">Loading…</p>;
    const Page = loaded;
    return <Page {...props} />;
  }
  LazyPage.preload = preload;
  return LazyPage;
}
