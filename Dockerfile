# Dockerfile — the mlac image. Two stages on a local Debian 12 base (no registry pulls: CI builds
# debian:bookworm with scripts/docker-local.sh, mmdebstrap -> docker import; any real
# debian:bookworm works too). The build stage uses the project's own install-deps.sh and build.sh
# with a portable CPU baseline (-DMLAC_NATIVE=OFF, no -march=native); the runtime stage holds only
# the shared libraries the binary loads (found by deploy/docker/runtime-packages.sh), the binary
# and its docs, and runs as the unprivileged user mlac (uid 10001).
#   docker build -t mlac .        docker run --rm -v "$PWD/results:/results" mlac run-experiment ...
ARG BASE=debian:bookworm

FROM ${BASE} AS build
# The Debian snapshot mirror's Release files are older than their Valid-Until date.
RUN echo 'Acquire::Check-Valid-Until "false";' > /etc/apt/apt.conf.d/99mlac-snapshot
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh --build-only && rm -rf /var/lib/apt/lists/*
COPY . .
RUN MLAC_BUILD_TARGET=mlac scripts/build.sh /build -DMLAC_NATIVE=OFF \
 && deploy/docker/runtime-packages.sh /build/mlac > /build/runtime-packages.txt \
 && strip /build/mlac

FROM ${BASE} AS runtime
RUN echo 'Acquire::Check-Valid-Until "false";' > /etc/apt/apt.conf.d/99mlac-snapshot
COPY --from=build /build/runtime-packages.txt /usr/share/doc/mlac/runtime-packages.txt
# hadolint ignore=DL3008
RUN apt-get update -qq \
 && xargs -a /usr/share/doc/mlac/runtime-packages.txt apt-get install -y -qq --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/mlac --shell /usr/sbin/nologin mlac \
 && mkdir -p /data /results /cache /secrets \
 && chown mlac:mlac /data /results /cache
COPY --from=build /build/mlac /usr/local/bin/mlac
COPY README.md /usr/share/doc/mlac/
COPY docs/ /usr/share/doc/mlac/docs/
ENV MLAC_DATA=/data \
    MLAC_OUTPUT_DIR=/results \
    MLAC_CACHE_DIR=/cache \
    MLAC_LOG_FORMAT=json
WORKDIR /home/mlac
USER 10001:10001
# One image for batch runs and the service: the health check proves the binary and its libraries
# load (right for both); `mlac serve` is probed on /healthz and /readyz by its Kubernetes
# Deployment (k8s/base/serve.yaml), where it listens on 8080.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["mlac", "--version"]
ENTRYPOINT ["mlac"]
CMD ["--help"]
