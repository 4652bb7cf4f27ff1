# syntax=docker/dockerfile:1
# ghostcut in a container: Debian 12 build stage with the -dev packages (as scripts/deps), and a
# slim final stage with only the runtime libraries and the binary. Used by docker-compose.yml.
#   docker build -t ghostcut .
#   docker run --rm ghostcut --help

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libmysqlcppconn-dev libboost-dev libboost-program-options-dev libspdlog-dev \
      nlohmann-json3-dev libssl-dev libzstd-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Tests and benchmarks are not built here: the image gets the program only.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DGHOSTCUT_BUILD_TESTS=OFF -DGHOSTCUT_BUILD_BENCH=OFF \
 && cmake --build /build --target ghostcut ghostcut_man -j"$(nproc)" \
 && cmake --install /build --prefix /install --strip

FROM debian:12-slim
# The shared libraries build/cli/ghostcut links (ldd), by their Debian 12 package names.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmysqlcppconn7v5 libboost-program-options1.74.0 libspdlog1.10 libfmt9 libssl3 libzstd1 zlib1g \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /home/ghostcut --create-home --shell /usr/sbin/nologin ghostcut
# What `cmake --install` put there: bin/ghostcut and share/man/man1/ghostcut.1.gz, nothing else.
COPY --from=build /install/ /usr/local/
USER ghostcut
WORKDIR /home/ghostcut
ENTRYPOINT ["ghostcut"]
CMD ["--help"]
