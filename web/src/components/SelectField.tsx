// A labelled <select> with its error beside it, as Field does for inputs.
import type { ComponentChildren } from "preact";
import { describedBy, FieldError, FieldHint } from "./Field";

interface SelectFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
  error?: string;
  hint?: ComponentChildren;
}

export function SelectField(props: SelectFieldProps) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        name={props.id}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy(props.id, props.error, props.hint)}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldHint id={props.id} hint={props.hint} />
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}
