/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The portal is served under /portal/ on the API's own origin (locally by devstack, on AWS
// by CloudFront), so every API call is same-origin and relative: no CORS, no API URL in the bundle.
export default defineConfig({
  base: "/portal/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks the first page loads and which are lazy pages
    // (bench/bench_portal.py reads it for the bundle budget).
    manifest: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes("node_modules")) {
            if (/[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/.test(id)) return "react";
            if (/[\\/](i18next|react-i18next|dayjs)[\\/]/.test(id)) return "i18n";
          }
          return undefined;
        },
      },
    },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
