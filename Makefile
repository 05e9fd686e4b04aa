# kubeprobe_exporter build, test and lint targets.
GO        ?= go
BIN       := kubeprobe_exporter
TOOLS     := $(CURDIR)/.build/tools
PKG       := github.com/prometheus/common/version

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILDDATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
LDFLAGS   := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Revision=$(REVISION) \
             -X $(PKG).Branch=$(BRANCH) -X $(PKG).BuildUser=$(USER) -X $(PKG).BuildDate=$(BUILDDATE)

# Pinned tool versions, installed into .build/tools by the targets that use them.
GOLANGCI_LINT_VERSION := v2.15.0
# v5.8.3 wants Go 1.27; v5.8.2 builds with Go 1.26.
KUSTOMIZE_VERSION     := v5.8.2

.PHONY: all build test cross bench lint fmt run clean kubernetes-manifests

all: lint test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The whole test suite. Tests that need root and network namespaces run
# when root; outside CI they skip with the reason, under CI=true they fail.
# The mixin's lint installs go-jsonnet, which its staleness test needs, so it
# runs before go test. deploy/kubernetes's tests run kustomize build.
test: $(TOOLS)/kustomize cross
	$(GO) vet ./...
	$(MAKE) -C mixin GO=$(GO) lint test
	KUSTOMIZE=$(TOOLS)/kustomize $(GO) test -race -count=1 ./...

# The packet capture, sock_diag and the lab are Linux's; everything else
# builds, and its tests vet, on the systems contributors use.
cross:
	GOOS=darwin $(GO) build ./...
	GOOS=windows $(GO) vet ./...

# Copy config.example.yml and the mixin's generated rules into
# deploy/kubernetes, which kustomize cannot read outside of; commit the
# result. Its tests fail until the copies are in step.
kubernetes-manifests:
	$(GO) test -count=1 -run '^TestGenerated' ./deploy/kubernetes -update

# Benchmarks: the probe path (traced and not), the side-by-side harness
# against Debian's prometheus-blackbox-exporter (apt-get install it first),
# and the collector's scrape with 100k TIME_WAIT sockets in a namespace,
# side by side with ss on the same sockets (root; see docs/collector.md).
# Ratios measured in one run, not absolute times, are what to compare on a
# shared machine; none of them fails on time.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x $$($(GO) list ./... | grep -v /collector)
	$(GO) test -run '^$$' -bench . ./collector/

run: build
	./$(BIN) --config.file=config.example.yml

fmt:
	gofmt -s -w $$(git ls-files '*.go')

lint: $(TOOLS)/golangci-lint
	@unformatted=$$(gofmt -s -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt -s would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/golangci-lint run ./...

$(TOOLS)/golangci-lint:
	GOBIN=$(TOOLS) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

$(TOOLS)/kustomize:
	GOBIN=$(TOOLS) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

clean:
	rm -rf $(BIN) .build
