# lastmile in a container. docker-compose.yml runs it next to Postgres.

# Build stage: a static binary (templates, static assets and migrations are embedded), plus
# the few files the final image needs, laid out under /rootfs.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /lastmile ./cmd/lastmile
RUN mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp \
 && chmod 1777 /rootfs/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && cp "$(go env GOROOT)/lib/time/zoneinfo.zip" /rootfs/zoneinfo.zip \
 && echo 'nonroot:x:65532:65532:nonroot:/:/sbin/nologin' >/rootfs/etc/passwd \
 && echo 'nonroot:x:65532:' >/rootfs/etc/group

# Final stage: nothing but the binary, CA certificates and time zones; no shell; not root.
FROM scratch
COPY --from=build /rootfs /
COPY --from=build /lastmile /lastmile
ENV ZONEINFO=/zoneinfo.zip \
    LASTMILE_ADDR=:8080
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/lastmile"]
CMD ["serve"]
