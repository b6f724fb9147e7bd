import { useState } from 'react'

interface Props {
  reason: 'change' | 'rejected'
  /** A token pasted earlier (not the devstack's demo token): offers signing out. */
  signedIn: boolean
  /** The local devstack (it has a demo user): say how to mint a token for another user. */
  devHint?: boolean
  onSave: (token: string) => void
  onSignOut: () => void
  onCancel: () => void
}

/** Dev sign-in: paste a bearer token (e.g. from `python -m backend.devtoken`). Stored in this browser. */
export function SignInDialog({ reason, signedIn, devHint, onSave, onSignOut, onCancel }: Props) {
  const [value, setValue] = useState('')
  return (
    <div className="dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="sign-in-title"
        className="dialog"
        data-testid="sign-in-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel()
        }}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault()
            if (value.trim()) onSave(value.trim())
          }}
        >
          <h2 id="sign-in-title">{reason === 'rejected' ? 'Sign-in rejected' : 'Sign in'}</h2>
          <p className="muted">
            {reason === 'rejected'
              ? 'The server did not accept this token (expired or invalid). Paste a new one.'
              : 'Paste a token from your identity provider. It is sent as Authorization: Bearer and kept in this browser only.'}
          </p>
          {devHint && (
            <p className="dialog__hint" data-testid="sign-in-hint">
              On this local stack, mint one for another user with the command the stack printed at start
              (<code>python -m backend.devtoken --sub alice</code>).
            </p>
          )}
          <label htmlFor="sign-in-input">Token</label>
          <input
            id="sign-in-input"
            data-testid="sign-in-input"
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoFocus
          />
          <div className="dialog__actions">
            {signedIn && (
              <button type="button" className="btn" onClick={onSignOut} data-testid="sign-out">
                Sign out
              </button>
            )}
            <button type="button" className="btn" onClick={onCancel}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={!value.trim()} data-testid="sign-in-save">
              Sign in
            </button>
          </div>
        </form>
      </div>
    </div>
  )
}
