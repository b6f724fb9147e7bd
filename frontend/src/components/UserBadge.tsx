import type { Me } from '../api/types'

interface Props {
  me: Me | null
  /** The gateway accepts pasted tokens (dev sign-in); behind a proxy the user is simply shown. */
  canSignIn: boolean
  onSignIn: () => void
}

/** The header's "who am I": the user's name, or a sign-in button where tokens can be pasted. */
export function UserBadge({ me, canSignIn, onSignIn }: Props) {
  const user = me?.kind === 'user' ? me.name || 'Signed in' : null
  if (canSignIn && me?.via !== 'proxy') {
    return (
      <button
        type="button"
        className="btn-small user-badge"
        onClick={onSignIn}
        data-testid="user-badge"
        title={user ? 'Signed in: switch user or sign out' : 'Sign in with a token'}
      >
        {user ?? 'Sign in'}
      </button>
    )
  }
  if (!user) return null
  return (
    <span className="user-badge" data-testid="user-badge" title="Signed in">
      {user}
    </span>
  )
}
