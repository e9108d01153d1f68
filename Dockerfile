# syntax=docker/dockerfile:1
# policybot: build with cgo (SQLite is C), run as a non-root user on a small
# Debian image with the data directory on a volume.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so a code change does not re-download them.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# The SQLite driver is cgo; its C part is cached between builds.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/policybot ./cmd/policybot

FROM debian:bookworm-slim AS runtime
# ca-certificates for HTTPS fetches; tzdata for digest time zones. Chromium is
# left out to keep the image small: documents that need client scripts report
# "needs a browser" until an image with chromium is used (see README).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin policybot \
 && mkdir -p /data && chown policybot:policybot /data
COPY --from=build /out/policybot /usr/local/bin/policybot
USER policybot
ENV POLICYBOT_DATA_DIR=/data \
    POLICYBOT_HTTP_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/usr/local/bin/policybot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/policybot"]
CMD ["run"]
