// A labelled input with its error beside it: the error is linked by
// aria-describedby and marks the input aria-invalid, so a screen reader reads
// it with the field, and it is text, never colour alone.
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
}

export function Field(props: FieldProps) {
  const describedBy = [props.error ? props.id + "-error" : "", props.hint ? props.id + "-hint" : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        placeholder={props.placeholder}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.hint && (
        <p class="hint" id={props.id + "-hint"}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="error" id={props.id + "-error"}>
          <span aria-hidden="true">⚠ </span>
          {props.error}
        </p>
      )}
    </div>
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
