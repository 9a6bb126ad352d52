import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { Field, FormError } from "../components/Field";
import { useFormErrors } from "../forms";

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { errors, busy, submit } = useFormErrors(["email", "password"]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main id="main" class="signin">
      <h1 tabIndex={-1} ref={heading}>
        Sign in to ShapeBlock
      </h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit(async () => {
            const s = await api.post<Session>("/auth/login", { email, password });
            await onSignedIn(s);
          });
        }}
      >
        <FormError message={errors.form} />
        <Field id="email" label="E-mail" type="email" value={email} onInput={setEmail} error={errors.fields.email} autoComplete="username" required />
        <Field
          id="password"
          label="Password"
          type="password"
          value={password}
          onInput={setPassword}
          error={errors.fields.password}
          autoComplete="current-password"
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
