/**
 * What the UI signs requests with: an API key (X-API-Key), a user's bearer token, or both. A token
 * makes the user the owner of sessions and tasks; a key alone owns them itself (see the gateway's
 * README, "Identity"). Behind a trusted proxy the proxy adds the user, and the UI needs neither.
 */
export interface Credentials {
  apiKey: string
  token?: string
}

export function authHeaders({ apiKey, token }: Credentials): Record<string, string> {
  const headers: Record<string, string> = {}
  if (apiKey) headers['X-API-Key'] = apiKey
  if (token) headers.Authorization = `Bearer ${token}`
  return headers
}

export const hasCredentials = ({ apiKey, token }: Credentials): boolean => Boolean(apiKey || token)
