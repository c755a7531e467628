# The add-on image: dist/, production node_modules with the one aws-crt binary this image runs,
# package.json (ESM, the version) and rootfs/ (the s6 service). Nothing of the simulator, the demo
# or the tests ships in it.

# Build stage: compile TypeScript with the full (development) install.
FROM node:22-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies, built by the same script the production-tree test runs
# (`npm ci --omit=dev` from the lock file, aws-crt pruned to linux-<this arch>-musl).
FROM node:22-alpine AS production
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/production-tree.js ./scripts/
RUN node scripts/production-tree.js /prod --libc musl

# Runtime: the Home Assistant base image (Alpine, s6-overlay v3, bashio).
FROM ghcr.io/home-assistant/base:3.22
# aws-crt picks its musl binary by running `ldd --version`; musl-utils provides ldd.
RUN apk add --no-cache nodejs musl-utils
WORKDIR /app
COPY --from=production /prod/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY rootfs /

# s6-overlay sends SIGKILL 3 s after SIGTERM by default: too soon for a stop that waits for the
# cloud connection to close (up to 5 s) before the queue and the device memory are written. The
# bridge bounds its own stop at 15 s; the Supervisor's `timeout` (config.yaml) is 30 s.
ENV S6_SERVICES_GRACETIME=20000

ARG BUILD_VERSION=0.2.0
ARG BUILD_ARCH=amd64
LABEL \
  io.hass.name="NWP500 Bridge" \
  io.hass.description="Navien NWP500 water heaters in Home Assistant over MQTT, with cloud-link diagnostics" \
  io.hass.type="app" \
  io.hass.version="${BUILD_VERSION}" \
  io.hass.arch="${BUILD_ARCH}" \
  org.opencontainers.image.title="nwp500-bridge" \
  org.opencontainers.image.licenses="MIT"
