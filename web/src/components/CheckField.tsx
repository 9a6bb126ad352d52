// A checkbox with its label after it and its error beside it.
import type { ComponentChildren } from "preact";
import { describedBy, FieldError, FieldHint } from "./Field";

interface CheckFieldProps {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string;
  hint?: ComponentChildren;
}

export function CheckField(props: CheckFieldProps) {
  return (
    <div class="field check">
      <div>
        <input
          id={props.id}
          name={props.id}
          type="checkbox"
          checked={props.checked}
          aria-invalid={props.error ? "true" : undefined}
          aria-describedby={describedBy(props.id, props.error, props.hint)}
          onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
        />
        <label for={props.id}>{props.label}</label>
      </div>
      <FieldHint id={props.id} hint={props.hint} />
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}
