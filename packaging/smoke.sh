#!/usr/bin/env bash
# CI check of packaging/publish.sh (run by test.sh): publishes this host's RID, then runs the binary with no .NET
# anywhere it could find one: `opensag --version`, and `opensag serve` on free 127.0.0.1 ports until GET /healthz
# answers ok, then SIGTERM and exit 0. Prints "packaging: ok" or "packaging: FAILED: why" last; exits 0 or 1.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fail() { echo "packaging: FAILED: $*"; exit 1; }

binary=$(bash packaging/publish.sh | tail -1) || fail "packaging/publish.sh failed (its output is above)"
[ -x "$binary" ] || fail "publish.sh printed '$binary', which is not an executable"
extra=$(find "$(dirname "$binary")" -mindepth 1 ! -name opensag | head -1)
[ -z "$extra" ] || fail "the published folder holds more than opensag: $extra"
tarball="$(dirname "$binary").tar.gz"
tar -tzf "$tarball" | grep -q '/opensag$' || fail "$tarball does not hold opensag"

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# A self-contained binary needs no dotnet: none on PATH, and DOTNET_ROOT pointing nowhere. env execs the binary, so the
# process id of a background run is the server's own (a shell function would put a subshell between).
bare=(env -i PATH=/usr/bin:/bin HOME="$work/home" DOTNET_ROOT="$work/no-dotnet" DOTNET_BUNDLE_EXTRACT_BASE_DIR="$work/bundle")

version=$("${bare[@]}" "$binary" --version) || fail "opensag --version failed"
echo "packaging: $binary --version: $version"

"${bare[@]}" "$binary" serve --data "$work/data" --api-listen 127.0.0.1:0 --gateway-listen 127.0.0.1:0 >"$work/out" 2>&1 &
server=$!
endpoint=""
for _ in $(seq 1 600); do
  endpoint=$(sed -nE 's|^OpenSAG API listening on (http://127\.0\.0\.1:[0-9]+)$|\1|p' "$work/out")
  [ -n "$endpoint" ] && break
  kill -0 "$server" 2>/dev/null || fail "opensag serve exited before listening: $(cat "$work/out")"
  sleep 0.1
done
[ -n "$endpoint" ] || fail "opensag serve printed no listening line within 60 s: $(cat "$work/out")"
health=$(curl -sS --max-time 10 "$endpoint/healthz") || fail "GET $endpoint/healthz failed"
[ "$health" = "ok" ] || fail "GET $endpoint/healthz answered '$health'"
kill -TERM "$server"
wait "$server"
status=$?
server=""
[ "$status" -eq 0 ] || fail "opensag serve exited $status after SIGTERM: $(cat "$work/out")"
echo "packaging: ok ($endpoint/healthz answered ok)"
