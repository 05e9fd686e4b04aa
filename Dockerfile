# Static build of kubeprobe_exporter on a minimal, non-root image.
#
#   docker buildx build \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg BRANCH=$(git rev-parse --abbrev-ref HEAD) \
#     -t kubeprobe_exporter .
#
# The binary carries the file capability cap_net_raw+p, so the image's
# non-root user can open the handshake capture where no_new_privs is not set
# (docker run, whose default capabilities include NET_RAW): the exporter
# raises the capability for the moment it opens the capture socket. A file capability
# is an extended attribute, and not every builder keeps it through
# COPY --from: BuildKit (buildx, Docker's default builder since 23.0) and
# buildah do; the legacy builder and kaniko drop it, and the image then
# captures only as root. To check an image: `docker run --rm IMAGE` logs
# "Handshake tracing is on" when the capability arrived.
#
# The capability is permitted, not effective (+p, not +ep): with the
# effective bit the kernel would refuse to execute the binary at all in a
# container without NET_RAW; without it the exporter starts there and runs
# without the capture, saying so once. deploy/kubernetes runs it as root
# with NET_RAW only, which needs no file capability (README, "Kubernetes").
FROM golang:1.26-bookworm AS build
# setcap: the final image has no shell and no tools.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcap2-bin \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
# make build: CGO_ENABLED=0, -trimpath, version metadata in the binary.
RUN make build VERSION="$VERSION" REVISION="$REVISION" BRANCH="$BRANCH" USER=docker \
 && setcap cap_net_raw+p kubeprobe_exporter \
 && getcap kubeprobe_exporter | grep -q cap_net_raw

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/kubeprobe_exporter /bin/kubeprobe_exporter
COPY config.example.yml /etc/kubeprobe/config.yml
USER 65532:65532
EXPOSE 9878
ENTRYPOINT ["/bin/kubeprobe_exporter"]
CMD ["--config.file=/etc/kubeprobe/config.yml"]
