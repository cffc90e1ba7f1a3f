import { useState, type FormEvent } from 'react';
import { call, type Session } from './api.js';
import { SecretField } from './PasswordForm.js';

/** The log-in form. */
export function Login({
  message,
  onLoggedIn,
}: {
  message?: string;
  onLoggedIn: (s: Session) => void;
}) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(message);
  const [isBusy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      onLoggedIn((await call('logIn', { body: { user, password } })).body);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Chamber</h1>
        <label>
          User
          <input
            name="user"
            autoComplete="username"
            value={user}
            onChange={(e) => setUser(e.target.value)}
            required
          />
        </label>
        <SecretField
          label="Password"
          name="password"
          isNew={false}
          value={password}
          onChange={setPassword}
        />
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={isBusy}>
          Log in
        </button>
      </form>
    </main>
  );
}
