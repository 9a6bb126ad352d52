// A modal confirmation: a <dialog> opened with showModal(), so focus stays
// inside and Esc cancels; Cancel, the safe choice, has the focus first, and
// focus returns to what opened the dialog. A refusal from the API is shown
// inside, beside the action it refused, and the dialog stays open.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { describe } from "../forms";
import { FormError } from "./Field";

interface ConfirmDialogProps {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  children: ComponentChildren;
  danger?: boolean;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => {
      // What opened it may be gone (a removed row): the page's heading then.
      if (opener?.isConnected) opener.focus();
      else document.querySelector<HTMLElement>("main h1")?.focus();
    };
  }, []);

  async function confirm() {
    setBusy(true);
    setError("");
    try {
      await props.onConfirm();
    } catch (e) {
      setError(describe(e));
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <div id="confirm-body">{props.children}</div>
      <FormError message={error} />
      <div class="actions">
        <button type="button" class="secondary" autoFocus onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class={props.danger ? "danger" : undefined} disabled={busy} onClick={confirm}>
          {busy ? "Working…" : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
