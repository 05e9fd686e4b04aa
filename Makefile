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
# deploy/helm's tests: helm lint and helm template. It wants Go 1.26.0;
# GOTOOLCHAIN=local keeps go install from fetching another toolchain. A cold
# install (empty module and build caches, the project's modules already
# downloaded) took 2m38s on 2 cores; it adds 77 modules.
HELM_VERSION          := v3.22.0

.PHONY: all build test cross fuzz fuzz-short bench lint fmt run demo clean kubernetes-manifests kubelet-diff

all: lint test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The whole test suite. Tests that need root and network namespaces run
# when root; outside CI they skip with the reason, under CI=true they fail.
# The mixin's lint installs go-jsonnet and jsonnet-bundler, which its tests
# need, so it runs before go test. deploy/kubernetes's tests run kustomize
# build, deploy/helm's helm lint and helm template; the shadow's end-to-end
# test runs kube-apiserver (built below) with etcd.
# fuzz-short fuzzes every target briefly; go test below runs their seed
# corpora (testdata/fuzz) as ordinary tests.
test: $(TOOLS)/kustomize $(TOOLS)/helm $(TOOLS)/kube-apiserver cross fuzz-short
	@unformatted=$$(gofmt -s -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt -s would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(MAKE) -C mixin GO=$(GO) lint test
	KUSTOMIZE=$(TOOLS)/kustomize HELM=$(TOOLS)/helm KUBE_APISERVER=$(TOOLS)/kube-apiserver $(GO) test -race -count=1 ./...
	$(MAKE) kubelet-diff

# The differential test against kubelet itself (kubeletdiff/): kubelet's
# pkg/probe at each pinned release, in modules of their own so that this
# module never depends on k8s.io/kubernetes, and the exporter's binary
# probe the same local servers; every difference fails, but for the known
# ones README lists.
kubelet-diff:
	bash kubeletdiff/run.sh

# The packet capture, sock_diag and the lab are Linux's; everything else
# builds, and its tests vet, on the systems contributors use.
cross:
	GOOS=darwin $(GO) build ./...
	GOOS=windows $(GO) vet ./...

# Fuzz targets, as package:Name, of the parsers that read what the network,
# the kernel or a /probe query hands the exporter. Each runs for
# $(FUZZTIME) on its own, since a fuzzer takes every core; a name that is
# not a fuzz target of its package fails (go test -fuzz would fuzz nothing
# and pass). A failing input is written to the package's
# testdata/fuzz/Name/: commit it with the fix, and go test keeps running it.
FUZZ_TARGETS := \
	handshake:FuzzSegmentDecode \
	handshake:FuzzSynOrRstFilter \
	internal/ports:FuzzParse \
	internal/ports:FuzzParseList \
	collector:FuzzParseKernelRange \
	collector:FuzzParseIPVSServices \
	internal/sockdiag:FuzzParseMessage \
	prober:FuzzNewRequest
FUZZTIME ?= 1m

fuzz:
	@set -e; for target in $(FUZZ_TARGETS); do \
	  pkg=$${target%%:*}; name=$${target#*:}; \
	  grep -qs "^func $$name(f \*testing.F)" $$pkg/*_test.go || \
	    { echo "fuzz: no $$name in ./$$pkg" >&2; exit 1; }; \
	  echo "$(GO) test -run '^$$' -fuzz '^$$name$$' -fuzztime $(FUZZTIME) ./$$pkg"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$pkg; \
	done

# Every fuzz target for 100,000 inputs (3 to 40 seconds each on 2 cores),
# which make test (and so CI) runs. A count, not a duration: Go 1.26's
# fuzzing coordinator can fail a target with a bare "context deadline
# exceeded" when a -fuzztime duration ends while a starved worker is still
# running an input (golang/go#75804, fixed in Go 1.27); CI saw it once on a
# loaded machine, with no failing input. Most of fuzz-short's time is the
# first build: fuzzing instruments every package a target imports,
# client-go's too.
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=100000x

# Copy config.example.yml and the mixin's generated rules into
# deploy/kubernetes and the chart (deploy/helm/kubeprobe-exporter: files/
# and values.yaml's config), which kustomize and helm cannot read outside
# of; commit the result. Their tests fail until the copies are in step.
kubernetes-manifests:
	$(GO) test -count=1 -run '^TestGenerated' ./deploy/kubernetes -update
	$(GO) test -count=1 -run '^TestGenerated' ./deploy/helm -update

# The performance harness of issue 16 (bench/): kubeprobe_exporter built
# from the working tree, with the capture on and off, side by side with
# Debian's blackbox_exporter 0.23, blackbox_exporter built from the Go
# module proxy and a minimal floor, under wrk; the capture under background
# connections in the lab; the collector against ss; the hot paths' go test
# benchmarks. It needs root, wrk and prometheus-blackbox-exporter (Debian),
# takes about 15 minutes, writes bench/results/YYYY-MM-DD.md and quotes its
# summary in README.md. Ratios measured in one run, not absolute times, are
# what to compare on a shared machine; nothing in it fails on time.
# BENCH_FLAGS, e.g. -rounds=1 -wrk.duration=1s for a quick look.
BENCH_FLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 40m ./bench -args -results=results $(BENCH_FLAGS)
	# docs/collector.md, "Connection churn": statistical, so many probes.
	$(GO) test -run '^$$' -bench CollisionsUnderChurn -benchtime 60000x ./collector/

run: build
	./$(BIN) --config.file=config.example.yml

# The README's quick-start demo: targets on loopback, the exporter on
# 127.0.0.1:9878, the probe URLs printed; as root also the reset incident.
demo: build
	./$(BIN) demo

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

$(TOOLS)/helm:
	GOTOOLCHAIN=local GOBIN=$(TOOLS) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

# The shadow's end-to-end test runs the real kube-apiserver (with Debian's
# etcd-server): Kubernetes's own, at the release shadow/e2e/apiserver pins,
# built from that module (GOWORK=off: it is not the exporter's). Rebuilt
# when the module changes; otherwise the binary in .build/tools is reused.
# Its packages took 5m45s to build on 2 idle cores with an empty build
# cache, the modules' download included; 18 minutes on the same cores shared
# with other builds. With the build cache warm it only links.
APISERVER_MODULE := shadow/e2e/apiserver
$(TOOLS)/kube-apiserver: $(APISERVER_MODULE)/go.mod $(APISERVER_MODULE)/go.sum $(APISERVER_MODULE)/main.go
	cd $(APISERVER_MODULE) && GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 $(GO) build -trimpath -o $@.tmp . && mv $@.tmp $@

clean:
	rm -rf $(BIN) .build
