#!/usr/bin/env bash
# The differential test against kubelet itself: for each pinned release,
# kubelet's pkg/probe (its module kubelet-<release>) and the exporter's
# binary probe the same local servers, case by case (harness/). kubelet's
# version, which its User-Agent carries, is set as a release build sets it.
# Prints one line per release; the whole log is in $LOG.
set -euo pipefail
cd "$(dirname "$0")"
LOG=${LOG:-$(mktemp -t kubelet-diff.XXXXXX)}
status=0
for dir in kubelet-*/; do
  release=${dir#kubelet-}; release=${release%/}
  minor=$(echo "$release" | cut -d. -f2)
  if (cd "$dir" && GOWORK=off go test -race -count=1 -v \
        -ldflags "-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" .) >>"$LOG" 2>&1; then
    :
  else
    status=1
    echo "kubelet $release: FAILED" >&2
  fi
done
grep -E '^kubelet [0-9.]+: [0-9]+ cases' "$LOG" || true
if [ $status -ne 0 ]; then
  grep -E -A3 -- '--- FAIL|^panic|cannot|undefined' "$LOG" | head -200 >&2
  echo "kubelet-diff failed; the whole log is $LOG" >&2
fi
exit $status
