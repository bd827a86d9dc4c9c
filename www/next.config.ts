import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The repository root has its own package-lock.json (dev tools); without this, Turbopack
  // takes that directory as the workspace root and warns on every build.
  turbopack: { root: __dirname },
};

export default nextConfig;
