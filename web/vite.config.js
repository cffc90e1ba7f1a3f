import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard's bundle, served by the frontend from web/dist/app.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist/app', emptyOutDir: true, sourcemap: true },
});
