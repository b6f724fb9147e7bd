import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// Served by the gateway at /ai/static/; the dev server proxies /ai/api to a running gateway
// (GATEWAY_URL, default http://127.0.0.1:8000) so API calls stay same-origin in both cases.
export default defineConfig({
  base: '/ai/static/',
  plugins: [react()],
  server: {
    proxy: {
      '/ai/api': { target: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000', changeOrigin: true },
    },
  },
})
