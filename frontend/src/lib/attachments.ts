import type { FilePart } from '../api/generated/wire'

/**
 * Files the composer attaches: a CSV or Parquet file, which the workers turn into a table of the
 * conversation that the analytics tools can query (contract/uploads.py: the same extensions and media
 * types). Checked here before anything is sent, so a file that is too large or of another kind gets a
 * clear message instead of a 413 or a table that never appears: the limit is the gateway's
 * UPLOAD_MAX_BYTES (GET /ai/api/ui-config).
 */

export const ACCEPT = '.csv,.parquet,text/csv,application/vnd.apache.parquet'
const MEDIA_TYPES: Record<string, string> = { csv: 'text/csv', parquet: 'application/vnd.apache.parquet' }

/** What a user message shows of an attached file. */
export interface Attachment {
  filename: string
  size: number
}

function kind(file: File): string | null {
  const extension = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : ''
  if (extension in MEDIA_TYPES) return extension
  return Object.keys(MEDIA_TYPES).find((k) => MEDIA_TYPES[k] === file.type.toLowerCase()) ?? null
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`
}

/** Why `file` cannot be attached, or null. */
export function attachmentProblem(file: File, maxBytes: number): string | null {
  if (!kind(file)) return `${file.name} is not a CSV or Parquet file: only those can be attached.`
  if (file.size === 0) return `${file.name} is empty.`
  if (file.size > maxBytes) return `${file.name} is ${sizeText(file.size)}: files up to ${sizeText(maxBytes)} can be attached.`
  return null
}

/** The file as a message part (its content as base64). */
export async function filePart(file: File): Promise<FilePart> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`))
    reader.readAsDataURL(file)
  })
  return { type: 'file', filename: file.name, media_type: MEDIA_TYPES[kind(file) ?? 'csv'], data: url.slice(url.indexOf(',') + 1) }
}

/** The size a part's base64 decodes to. */
export function partSize(part: FilePart): number {
  const pad = part.data.endsWith('==') ? 2 : part.data.endsWith('=') ? 1 : 0
  return Math.floor((part.data.length * 3) / 4) - pad
}
