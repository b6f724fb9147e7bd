/** The credentials this browser keeps in localStorage: the API key (entered once per browser) and a
 * pasted sign-in token. See frontend/README.md on exposure. With storage disabled they live for this
 * page only. */
function stored(name: string) {
  return {
    load(): string {
      try {
        return window.localStorage.getItem(name) ?? ''
      } catch {
        return ''
      }
    },
    save(value: string): void {
      try {
        if (value) window.localStorage.setItem(name, value)
        else window.localStorage.removeItem(name)
      } catch {
        // storage disabled
      }
    },
  }
}

const apiKey = stored('ai.apiKey')
const token = stored('ai.token')

export const loadApiKey = apiKey.load
export const saveApiKey = apiKey.save
export const loadToken = token.load
export const saveToken = token.save
