/** One string this browser keeps in localStorage under `name` ('' when absent). With storage disabled
 *  the value lives for this page only (loads give '', saves do nothing). */
export function localItem(name: string) {
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
