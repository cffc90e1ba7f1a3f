# syntax=docker/dockerfile:1
# One image for every Chamber service; the command names the service's entry:
#   docker build -t chamber .
#   docker run chamber services/stepper/dist/src/main.js
# See deploy/README.md.

# Build: the whole workspace with its dev dependencies, compiled (tsc -b) and
# the dashboard bundled (vite); then the dev dependencies and the TypeScript
# sources are dropped, leaving what the runtime stage copies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# Install scripts stay off, as in a checkout (npm 11's default): the stack
# needs none of them.
RUN npm ci --ignore-scripts --no-audit --no-fund \
    && npm run build \
    && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
    && rm -rf protos/src libs/*/src clients/*/src services/*/src

# Runtime: Node 20, the production dependencies and the compiled output, run
# as the unprivileged user `node` (uid 1000) of the official image.
FROM node:20-bookworm-slim AS runtime
# glibc malloc as the local launcher sets it (deploy/local/src/process-memory.ts).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/protos ./protos
COPY --from=build /app/libs ./libs
COPY --from=build /app/clients ./clients
COPY --from=build /app/services ./services
COPY --from=build /app/web/package.json ./web/
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/scenarios ./scenarios
USER node
# The frontend's HTTP port and the services' gRPC ports (DESIGN.md §6).
EXPOSE 8080 50051-50059
# The V8 flag the local launcher gives every service (a small young generation).
ENTRYPOINT ["node", "--max-semi-space-size=1"]
CMD ["services/frontend/dist/src/main.js"]
