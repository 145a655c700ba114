# tmtmock in a container: Debian 12, built in one stage, run from a slim one.
#
#   docker build -t tmtmock .
#   docker run --rm -p 9000:9000 tmtmock
#
# Inside, tmtmock serves http://0.0.0.0:9000 as the unprivileged user tmtmock,
# with the shipped fixtures. The address is TMTMOCK_LISTEN, so arguments after
# the image name add options (docker run ... tmtmock --seed 1) without losing
# it. Options also come from TMTMOCK_* variables (TMTMOCK_SEED=1,
# TMTMOCK_NO_RATE_LIMIT=1, TMTMOCK_LOG_FORMAT=json). The admin API (/_mock/) answers loopback
# peers only, and requests from the host are not loopback inside a container:
# give it a token (-e TMTMOCK_ADMIN_TOKEN=secret, or --admin-token secret, then
# send "Authorization: Bearer secret"), or its own port
# (-e TMTMOCK_ADMIN_LISTEN=0.0.0.0:9001 -p 9001:9001). tmtmock refuses to
# listen beyond loopback without a token unless told it is meant
# (docs/hardening.md): the image says so with TMTMOCK_ADMIN_OPEN=1, which
# keeps the behaviour above; with a token set the token decides.
#
# The health check is `tmtmock --health` (no curl in the image): it reads the
# URL the mock wrote to TMTMOCK_READY_FILE once listening, so it follows a
# --listen given after the image name, and /_mock/health needs no token, so
# --admin-token does not break it (docs/helpers.md, Container).
#
# The build stage's steps are scripts/container-build.sh, which the test suite
# also runs (conformance/tests/test_container.py) where no engine is available.

FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
	gcc make pkg-config libevent-dev libjansson-dev libssl-dev ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
ARG STAGE=/stage
RUN scripts/container-build.sh "$STAGE"

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
	libevent-2.1-7 libevent-openssl-2.1-7 libjansson4 libssl3 \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10001 --user-group --no-create-home \
		--shell /usr/sbin/nologin tmtmock
COPY --from=build /stage/usr/local/bin/tmtmock /usr/local/bin/tmtmock
COPY --from=build /stage/usr/local/share/tmtmock/fixtures /usr/local/share/tmtmock/fixtures
USER tmtmock
ENV TMTMOCK_LISTEN=0.0.0.0:9000 TMTMOCK_ADMIN_OPEN=1 TMTMOCK_READY_FILE=/tmp/tmtmock.url
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
	CMD ["tmtmock", "--health"]
ENTRYPOINT ["tmtmock"]
CMD []
