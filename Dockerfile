# Build stage: compile TypeScript and install production dependencies for musl (Alpine).
FROM node:22-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime: the Home Assistant base image (Alpine, s6-overlay v3, bashio).
FROM ghcr.io/home-assistant/base:3.22
# aws-crt picks its musl binary by running `ldd --version`; musl-utils provides ldd.
RUN apk add --no-cache nodejs musl-utils
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY rootfs /

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
