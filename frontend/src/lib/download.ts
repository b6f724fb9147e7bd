/** Saves `text` as a file the browser downloads (an object URL on a temporary link, then released). */
export function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** A share's absolute link (the API returns it relative to the origin). */
export function absoluteUrl(path: string, origin: string = window.location.origin): string {
  return new URL(path, origin).toString()
}
