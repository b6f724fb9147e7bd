import { localItem } from './localItem'

/** The credentials this browser keeps in localStorage: the API key (entered once per browser) and a
 * pasted sign-in token. See frontend/README.md on exposure. With storage disabled they live for this
 * page only. */
const apiKey = localItem('ai.apiKey')
const token = localItem('ai.token')

export const loadApiKey = apiKey.load
export const saveApiKey = apiKey.save
export const loadToken = token.load
export const saveToken = token.save
