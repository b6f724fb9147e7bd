import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { authHeaders } from '../api/credentials'
import { routedFetch, type Route } from '../test/routedFetch'
import { frame, jsonResponse, sseResponse } from '../test/sseMock'
import { App } from './App'
import { UserBadge } from './UserBadge'

const DEMO = { kind: 'user', via: 'token', name: 'Demo user', owner: 'user:demo' }

/** Routes by path; ui-config and me answer like a devstack with a demo user (the rest: routedFetch). */
function installFetch(route: Route = () => undefined, uiConfig: object = { api_key_hint: 'demo-key', tokens: true, demo_token: 'demo.jwt' }) {
  return routedFetch((call) => {
    const res = route(call)
    if (res) return res
    if (call.url === '/ai/api/ui-config') return jsonResponse(200, uiConfig)
    if (call.url !== '/ai/api/me') return undefined
    const auth = call.headers.authorization
    if (auth === 'Bearer demo.jwt') return jsonResponse(200, DEMO)
    if (auth === 'Bearer alice.jwt') return jsonResponse(200, { ...DEMO, name: 'Alice', owner: 'user:alice' })
    if (auth) return jsonResponse(401, { detail: 'Invalid bearer token: token expired' })
    return jsonResponse(200, { kind: 'key', via: 'key', name: null, owner: 'key:k' })
  })
}

beforeEach(() => {
  window.localStorage.clear()
  Element.prototype.scrollTo = vi.fn()
})
afterEach(() => vi.restoreAllMocks())

describe('identity in the UI', () => {
  it('signs in as the demo user with no key and no dialog, and sends the demo token', async () => {
    const user = userEvent.setup()
    const calls = installFetch((c) =>
      c.url === '/ai/api/chat/stream' ? sseResponse([frame({ type: 'session', task_id: 't', seq: 0, session_id: 's' })]) : undefined,
    )
    render(<App />)
    await waitFor(() => expect(screen.getByTestId('user-badge')).toHaveTextContent('Demo user'))
    expect(screen.queryByTestId('api-key-dialog')).not.toBeInTheDocument()
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'hi{Enter}')
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.headers.authorization).toBe('Bearer demo.jwt')
    expect(post.headers['x-api-key']).toBeUndefined()
    expect(calls.find((c) => c.url === '/ai/api/sessions')!.headers.authorization).toBe('Bearer demo.jwt')
  })

  it('a pasted token replaces the demo user, is stored, and sign-out goes back', async () => {
    const user = userEvent.setup()
    installFetch()
    render(<App />)
    await user.click(await screen.findByTestId('user-badge'))
    expect(screen.getByTestId('sign-in-hint')).toHaveTextContent('python -m backend.devtoken')
    await user.type(screen.getByTestId('sign-in-input'), '  alice.jwt ')
    await user.click(screen.getByTestId('sign-in-save'))
    expect(await screen.findByText('Alice')).toBeInTheDocument()
    expect(window.localStorage.getItem('ai.token')).toBe('alice.jwt')
    await user.click(screen.getByTestId('user-badge'))
    await user.click(screen.getByTestId('sign-out'))
    expect(await screen.findByText('Demo user')).toBeInTheDocument()
    expect(window.localStorage.getItem('ai.token')).toBeNull()
  })

  it('a rejected token asks for a new one, not for an API key', async () => {
    window.localStorage.setItem('ai.token', 'stale.jwt')
    const user = userEvent.setup()
    installFetch((c) => (c.url === '/ai/api/chat/stream' ? jsonResponse(401, { detail: 'Invalid bearer token: token expired' }) : undefined))
    render(<App />)
    await user.type(await screen.findByRole('textbox', { name: 'Message' }), 'hi{Enter}')
    expect(await screen.findByTestId('sign-in-dialog')).toHaveTextContent('Sign-in rejected')
    expect(screen.queryByTestId('api-key-dialog')).not.toBeInTheDocument()
  })

  it('without tokens or a key on the gateway it asks for the key as before', async () => {
    installFetch(undefined, { api_key_hint: null, tokens: false, demo_token: null })
    render(<App />)
    expect(await screen.findByTestId('api-key-dialog')).toHaveTextContent('Enter your API key')
    expect(screen.queryByTestId('user-badge')).not.toBeInTheDocument()
  })
})

describe('UserBadge', () => {
  it('behind a proxy shows the name and offers no sign-in', () => {
    render(<UserBadge me={{ kind: 'user', via: 'proxy', name: 'Carol', owner: 'user:c' }} canSignIn onSignIn={() => {}} />)
    expect(screen.getByTestId('user-badge')).toHaveTextContent('Carol')
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
  })

  it('with only an API key offers sign-in where tokens are accepted', () => {
    render(<UserBadge me={{ kind: 'key', via: 'key', name: null, owner: 'key:k' }} canSignIn onSignIn={() => {}} />)
    expect(screen.getByRole('button')).toHaveTextContent('Sign in')
  })
})

describe('authHeaders', () => {
  it('sends the key, the token, or both', () => {
    expect(authHeaders({ apiKey: 'k' })).toEqual({ 'X-API-Key': 'k' })
    expect(authHeaders({ apiKey: '', token: 't' })).toEqual({ Authorization: 'Bearer t' })
    expect(authHeaders({ apiKey: 'k', token: 't' })).toEqual({ 'X-API-Key': 'k', Authorization: 'Bearer t' })
  })
})
