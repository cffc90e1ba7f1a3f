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
          <SecretField
            label="Current password"
            name="current-password"
            isNew={false}
            value={current}
            onChange={setCurrent}
          />
        )}
        <SecretField
          label="New password"
          name="new-password"
          isNew
          value={password}
          onChange={setPassword}
        />
        <SecretField
          label="Repeat the new password"
          name="repeat-password"
          isNew
          value={repeated}
          onChange={setRepeated}
        />
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

/**
 * A required password input with its label; `isNew` tells the browser's
 * password manager whether to offer a new password or fill a saved one.
 */
export function SecretField({
  label,
  name,
  isNew,
  value,
  onChange,
}: {
  label: string;
  name: string;
  isNew: boolean;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        name={name}
        type="password"
        autoComplete={isNew ? 'new-password' : 'current-password'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required
      />
    </label>
  );
}
