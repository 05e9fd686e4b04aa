# Static build of kubeprobe_exporter on a minimal, non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t kubeprobe_exporter .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
RUN make build VERSION="$VERSION" REVISION="$REVISION" BRANCH="$BRANCH" USER=docker

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/kubeprobe_exporter /bin/kubeprobe_exporter
COPY config.example.yml /etc/kubeprobe/config.yml
USER 65532:65532
EXPOSE 9878
ENTRYPOINT ["/bin/kubeprobe_exporter"]
CMD ["--config.file=/etc/kubeprobe/config.yml"]
