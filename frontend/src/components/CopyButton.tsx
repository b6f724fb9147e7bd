import { useState } from 'react'

/** Copies `text` to the clipboard and says so for a moment (also announced to screen readers). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied(true)
      setTimeout(() => setCopied(false), 1500)
    } catch {
      setCopied(false)
    }
  }
  return (
    <button type="button" className="btn-small" onClick={copy} aria-label={copied ? 'Copied' : label} data-testid="copy-button">
      <span aria-live="polite">{copied ? 'Copied' : label}</span>
    </button>
  )
}
