/** The API key, kept in localStorage (entered once per browser). See frontend/README.md on exposure. */
const KEY = 'ai.apiKey'

export function loadApiKey(): string {
  try {
    return window.localStorage.getItem(KEY) ?? ''
  } catch {
    return ''
  }
}

export function saveApiKey(value: string): void {
  try {
    window.localStorage.setItem(KEY, value)
  } catch {
    // storage disabled: the key lives for this page only
  }
}
