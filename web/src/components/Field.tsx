// A labelled input with its error beside it: the error is linked by
// aria-describedby and marks the input aria-invalid, so a screen reader reads
// it with the field, and it is text, never colour alone. The id is the
// API's name for the field ("resources.limits.memory"), so an error the API
// names lands here (forms.ts).
import type { ComponentChildren } from "preact";

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  type?: string;
  hint?: ComponentChildren;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  multiline?: boolean;
  min?: number;
  max?: number;
  list?: string;
  mono?: boolean;
}

export function Field(props: FieldProps) {
  const common = {
    id: props.id,
    name: props.id,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    class: props.mono ? "mono" : undefined,
    "aria-invalid": props.error ? ("true" as const) : undefined,
    "aria-describedby": describedBy(props.id, props.error, props.hint),
    onInput: (e: Event) => props.onInput((e.target as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={6} spellcheck={false} />
      ) : (
        <input {...common} type={props.type ?? "text"} autoComplete={props.autoComplete} min={props.min} max={props.max} list={props.list} />
      )}
      <FieldHint id={props.id} hint={props.hint} />
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}

// The ids a control's aria-describedby lists: its error, then its hint.
export function describedBy(id: string, error?: string, hint?: ComponentChildren): string | undefined {
  return [error ? id + "-error" : "", hint ? id + "-hint" : ""].filter(Boolean).join(" ") || undefined;
}

export function FieldHint({ id, hint }: { id: string; hint?: ComponentChildren }) {
  if (!hint) return null;
  return (
    <p class="hint" id={id + "-hint"}>
      {hint}
    </p>
  );
}

// The error under a control, as text with a mark (never colour alone).
export function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p class="error" id={id + "-error"}>
      <span aria-hidden="true">⚠ </span>
      {error}
    </p>
  );
}

// An error the API did not tie to a field: shown at the form's top, announced.
export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p class="error form-error" role="alert">
      <span aria-hidden="true">⚠ </span>
      {message}
    </p>
  );
}
