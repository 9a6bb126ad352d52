// Form state shared by the pages: what the API blamed, per field, and the
// rest as a form-level message. Values live in the page's own state and are
// never cleared on an error, so nothing typed is lost.
import { useState } from "preact/hooks";
import { ApiError } from "./api";

export interface FormErrors {
  fields: Record<string, string>;
  form?: string;
}

export function useFormErrors(knownFields: string[]) {
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  async function submit(action: () => Promise<void>) {
    setBusy(true);
    setErrors({ fields: {} });
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiError && e.field && knownFields.some((f) => e.field === f || e.field!.startsWith(f + "."))) {
        const key = knownFields.find((f) => e.field === f) ?? knownFields.find((f) => e.field!.startsWith(f + "."))!;
        setErrors({ fields: { [key]: e.message } });
        focusField(key);
      } else {
        setErrors({ fields: {}, form: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      setBusy(false);
    }
  }
  return { errors, setErrors, busy, submit };
}

// Keyboard and screen-reader users land on the field that needs fixing.
function focusField(id: string) {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
