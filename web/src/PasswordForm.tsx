import { useState, type FormEvent } from 'react';
import { api } from './api.js';

/**
 * Sets the signed-in user's password (`PUT /users/{name}/password`). With
 * `isFirst` (after a one-time login, while the password is still the
 * generated one nobody was shown: the session's `mustSetPassword`) it asks
 * only for the new password; otherwise for the current one too. The new one
 * is typed twice; the API's rules (length, a wrong current password) come
 * back as its messages.
 */
export function PasswordForm({
  user,
  isFirst,
  onDone,
  onClose,
}: {
  user: string;
  isFirst: boolean;
  onDone: () => void;
  onClose: () => void;
}) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [isBusy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (password !== repeated) {
      setError('The two new passwords differ; nothing was changed.');
      return;
    }
    setBusy(true);
    try {
      await api('PUT', `/users/${encodeURIComponent(user)}/password`, {
        password,
        ...(isFirst ? {} : { currentPassword: current }),
      });
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const title = isFirst ? 'Set your password' : 'Change your password';
  return (
    <section className="panel password" aria-labelledby="password-title">
      <h2 id="password-title">{title}</h2>
      {isFirst && (
        <p>
          You logged in with a one-time link. Choose a password for <strong>{user}</strong> to log
          in with from now on; the link will not work again.
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} aria-label={title}>
        {!isFirst && (
          <label>
            Current password
            <input
              name="current-password"
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
              required
            />
          </label>
        )}
        <label>
          New password
          <input
            name="new-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <label>
          Repeat the new password
          <input
            name="repeat-password"
            type="password"
            autoComplete="new-password"
            value={repeated}
            onChange={(e) => setRepeated(e.target.value)}
            required
          />
        </label>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" disabled={isBusy}>
            {isFirst ? 'Set password' : 'Change password'}
          </button>
          <button type="button" onClick={onClose}>
            {isFirst ? 'Not now' : 'Cancel'}
          </button>
        </div>
      </form>
    </section>
  );
}
