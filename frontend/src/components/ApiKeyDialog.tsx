import { useState } from 'react'

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
  const [value, setValue] = useState(reason === 'rejected' ? '' : initial)
  return (
    <div className="dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="key-title"
        className="dialog"
        data-testid="api-key-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape' && onCancel) onCancel()
        }}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault()
            if (value.trim()) onSave(value.trim())
          }}
        >
          <h2 id="key-title">{reason === 'rejected' ? 'API key rejected' : 'Enter your API key'}</h2>
          <p className="muted">
            {reason === 'rejected'
              ? 'The server did not accept this key (401). Enter a valid one.'
              : 'Requests are sent with this key in the X-API-Key header. It is kept in this browser only.'}
          </p>
          {hint && (
            <p className="dialog__hint" data-testid="api-key-hint">
              This local stack accepts the key <code>{hint}</code>.{' '}
              <button type="button" className="btn-link" onClick={() => setValue(hint)} data-testid="api-key-use-hint">
                Use it
              </button>
            </p>
          )}
          <label htmlFor="api-key-input">API key</label>
          <input
            id="api-key-input"
            data-testid="api-key-input"
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoFocus
          />
          <div className="dialog__actions">
            {onCancel && (
              <button type="button" className="btn" onClick={onCancel}>
                Cancel
              </button>
            )}
            <button type="submit" className="btn btn-primary" disabled={!value.trim()} data-testid="api-key-save">
              Save key
            </button>
          </div>
        </form>
      </div>
    </div>
  )
}
