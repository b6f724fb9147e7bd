import { CredentialDialog } from './CredentialDialog'

interface Props {
  reason: 'missing' | 'rejected' | 'change'
  initial: string
  /** The key this (local, development) stack accepts, when the gateway says so. */
  hint?: string | null
  onSave: (key: string) => void
  onCancel?: () => void
}

/** Asks for the X-API-Key (first use, or after a 401). Stored in this browser's localStorage. */
export function ApiKeyDialog({ reason, initial, hint, onSave, onCancel }: Props) {
  const rejected = reason === 'rejected'
  return (
    <CredentialDialog
      name="api-key"
      title={rejected ? 'API key rejected' : 'Enter your API key'}
      description={
        rejected
          ? 'The server did not accept this key (401). Enter a valid one.'
          : 'Requests are sent with this key in the X-API-Key header. It is kept in this browser only.'
      }
      label="API key"
      submitLabel="Save key"
      initial={rejected ? '' : initial}
      hint={
        hint
          ? (use) => (
              <p className="dialog__hint" data-testid="api-key-hint">
                This local stack accepts the key <code>{hint}</code>.{' '}
                <button type="button" className="btn-link" onClick={() => use(hint)} data-testid="api-key-use-hint">
                  Use it
                </button>
              </p>
            )
          : undefined
      }
      onSave={onSave}
      onCancel={onCancel}
    />
  )
}
