import { partSize, sizeText } from '../lib/attachments'

interface Props {
  filename: string
  /** The size in bytes, or the file's base64 to measure. */
  size?: number
  data?: string
  /** Shown in the composer: a button to take the file off again. */
  onRemove?: () => void
}

/** An attached file, by name and size: in the composer before sending, on the user's message after. */
export function AttachmentChip({ filename, size, data, onRemove }: Props) {
  const bytes = size ?? (data !== undefined ? partSize({ type: 'file', filename, media_type: '', data }) : null)
  return (
    <span className="attachment-chip" data-testid="attachment-chip" title={filename}>
      <svg className="attachment-chip__icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
        <path d="M6 2h8l5 5v15H6z M14 2v5h5 M9 12h7 M9 16h7" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
      </svg>
      <span className="attachment-chip__name">{filename}</span>
      {bytes !== null && <span className="attachment-chip__size">{sizeText(bytes)}</span>}
      {onRemove && (
        <button type="button" className="attachment-chip__remove" aria-label={`Remove ${filename}`} data-testid="attachment-remove" onClick={onRemove}>
          ×
        </button>
      )}
    </span>
  )
}
