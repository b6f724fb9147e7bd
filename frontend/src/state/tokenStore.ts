/** A pasted sign-in token, kept in localStorage like the API key (see frontend/README.md on exposure). */
const KEY = 'ai.token'

export function loadToken(): string {
  try {
    return window.localStorage.getItem(KEY) ?? ''
  } catch {
    return ''
  }
}

export function saveToken(value: string): void {
  try {
    if (value) window.localStorage.setItem(KEY, value)
    else window.localStorage.removeItem(KEY)
  } catch {
    // storage disabled: the token lives for this page only
  }
}
