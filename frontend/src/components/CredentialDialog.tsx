import { useState, type ReactNode } from 'react'

interface Props {
  /** Prefix of the element ids and test ids: `${name}-dialog`, `-title`, `-input`, `-save`. */
  name: string
  title: string
  description: string
  label: string
  submitLabel: string
  initial?: string
  /** Shown above the input; `use(value)` fills the input (e.g. a hinted demo key). */
  hint?: (use: (value: string) => void) => ReactNode
  /** Buttons before Cancel (e.g. Sign out). */
  actions?: ReactNode
  onSave: (value: string) => void
  /** Without it the dialog cannot be dismissed (no credential yet). */
  onCancel?: () => void
}

/** The modal both credentials are entered in (API key, sign-in token): a password field, Enter saves
 * the trimmed value, Esc cancels when cancelling is allowed. */
export function CredentialDialog({ name, title, description, label, submitLabel, initial = '', hint, actions, onSave, onCancel }: Props) {
  const [value, setValue] = useState(initial)
  return (
    <div className="dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${name}-title`}
        className="dialog"
        data-testid={`${name}-dialog`}
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
          <h2 id={`${name}-title`}>{title}</h2>
          <p className="muted">{description}</p>
          {hint?.(setValue)}
          <label htmlFor={`${name}-input`}>{label}</label>
          <input
            id={`${name}-input`}
            data-testid={`${name}-input`}
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoFocus
          />
          <div className="dialog__actions">
            {actions}
            {onCancel && (
              <button type="button" className="btn" onClick={onCancel}>
                Cancel
              </button>
            )}
            <button type="submit" className="btn btn-primary" disabled={!value.trim()} data-testid={`${name}-save`}>
              {submitLabel}
            </button>
          </div>
        </form>
      </div>
    </div>
  )
}
