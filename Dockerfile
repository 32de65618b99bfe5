# syntax=docker/dockerfile:1
# Herald's production image: one `herald` binary (serve | work | run | migrate) plus its SQL
# migrations. Built in two stages so the toolchain (~1.5 GB) never ships.
#
#   docker build -t herald .
#   docker compose up          (see docker-compose.yml)

# ---- build ------------------------------------------------------------------------------
# 6.2 or newer: Package.swift declares swift-tools-version 6.2 (Hummingbird 2.28 needs it).
FROM swift:6.2-bookworm AS build

# Headers and pkg-config files for the CLibPQ and CCurl system-library targets.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libpq-dev libcurl4-openssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, in their own layer: resolving them is slow and changes far less often
# than our sources. The glob also copies Package.resolved when the checkout has one.
COPY Package.* ./
RUN swift package resolve

COPY Sources ./Sources
COPY Tests ./Tests
# --static-swift-stdlib: the binary then carries the Swift runtime and Foundation instead of
# loading them from the toolchain's folder, so the runtime image needs no Swift at all.
RUN swift build -c release --static-swift-stdlib --product herald \
    && mkdir /staging \
    && cp "$(swift build -c release --show-bin-path)/herald" /staging/herald

# ---- runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim

# libpq5 and libcurl4 are the C libraries herald links dynamically; ca-certificates lets
# libcurl verify graph.facebook.com; tzdata backs Foundation's time zone lookups.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libpq5 libcurl4 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user: herald needs no root, and a fixed UID suits volume ownership
# and Kubernetes runAsNonRoot checks.
RUN useradd --system --uid 10001 --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin herald

COPY --from=build /staging/herald /usr/local/bin/herald
COPY sql /usr/share/herald/sql

# Where `herald migrate` finds the numbered migrations. In a container the gateway must listen
# on all interfaces to be reachable through a published port.
ENV HERALD_MIGRATIONS_DIR=/usr/share/herald/sql \
    HERALD_HOST=0.0.0.0 \
    HERALD_PORT=8080

USER herald:herald
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["run"]
