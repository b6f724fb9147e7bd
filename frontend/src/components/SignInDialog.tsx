import { CredentialDialog } from './CredentialDialog'

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
  return (
    <CredentialDialog
      name="sign-in"
      title={reason === 'rejected' ? 'Sign-in rejected' : 'Sign in'}
      description={
        reason === 'rejected'
          ? 'The server did not accept this token (expired or invalid). Paste a new one.'
          : 'Paste a token from your identity provider. It is sent as Authorization: Bearer and kept in this browser only.'
      }
      label="Token"
      submitLabel="Sign in"
      hint={
        devHint
          ? () => (
              <p className="dialog__hint" data-testid="sign-in-hint">
                On this local stack, mint one for another user with the command the stack printed at start
                (<code>python -m backend.devtoken --sub alice</code>).
              </p>
            )
          : undefined
      }
      actions={
        signedIn && (
          <button type="button" className="btn" onClick={onSignOut} data-testid="sign-out">
            Sign out
          </button>
        )
      }
      onSave={onSave}
      onCancel={onCancel}
    />
  )
}
