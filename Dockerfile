# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the full toolchain.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies, compiled code, templates, and the product's commands. Runs as the
# unprivileged `node` user (uid 1000), never as root.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY views ./views
COPY config/broker.example.yaml ./config/
# The keys and accounts commands are TypeScript run by Node 24 itself (type stripping), as `npm run keys` does in a
# checkout: they need the sources they import next to them.
COPY src ./src
COPY scripts/keys.ts scripts/accounts.ts scripts/admin.ts ./scripts/
COPY docker/entrypoint.sh ./docker/entrypoint.sh
# The key file's folder belongs to the runtime user, so a named volume mounted there starts writable by it.
RUN mkdir -p /app/.data/keys && chown -R node:node /app/.data && chmod 0700 /app/.data/keys
USER node
# 3000: the public listener (behind the TLS proxy). 9000: management (/metrics, /healthz, /readyz), never public.
EXPOSE 3000 9000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["start"]
