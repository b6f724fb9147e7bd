const SHARED = /^#\/shared\/([A-Za-z0-9_-]{16,64})$/

/** The id in a share link's hash route (`/ai/static/#/shared/<id>`), or null for the chat. */
export function sharedId(hash: string): string | null {
  return SHARED.exec(hash)?.[1] ?? null
}
