#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the Node.js SDK clients the conformance tests drive,
# restores exactly the locked NuGet versions, checks formatting, builds warning-free, runs every test project,
# and ends with one line "N passed, M failed" (the totals over all projects).
set -uo pipefail
cd "$(dirname "$0")"

fail() { echo "test.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH"
command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are needed for the SDK conformance tests"

# The bench's stream-path scenario (bench/README.md) runs OpenSAG beside stunnel and OpenSSH in network namespaces
# and the namespace tests (root, `ip netns`) need these; under CI the scenario fails rather than skips without them.
# Install the missing ones (Debian packages; needs root, as the namespaces do).
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v iperf3 >/dev/null || need+=(iperf3)
command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || need+=(stunnel4)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
# The layer-3 tests (tests/OpenSag.IntegrationTests/Layer3) ping the private network through the TUN.
command -v ping >/dev/null || need+=(iputils-ping)
# packaging/smoke.sh asks the published binary's /healthz.
command -v curl >/dev/null || need+=(curl)
# The web console's browser tests (tests/OpenSag.IntegrationTests/WebConsole) drive Debian's Chromium through
# Playwright, which is given this path; Playwright's own browser download is not used.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ "${#need[@]}" -gt 0 ]; then
  echo "test.sh: installing ${need[*]} for the stream-path bench, the namespace and the browser tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    || echo "test.sh: could not install ${need[*]}; the tests that need them will fail (CI) or skip" >&2
fi

npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error || fail "npm ci failed"
dotnet restore OpenSag.slnx --locked-mode || fail "dotnet restore failed"
dotnet build OpenSag.slnx --no-restore -c Debug -v quiet -nologo || fail "the build failed"

format_ok=1
dotnet format OpenSag.slnx --verify-no-changes --no-restore -v quiet || format_ok=0

# A throw-away PostgreSQL for the PostgreSQL store and server tests, stopped however this script ends. An
# OPENSAG_TEST_POSTGRES given by the caller is used as it is. Without PostgreSQL those tests skip, except under
# CI, where they must run.
if [ -z "${OPENSAG_TEST_POSTGRES:-}" ]; then
  pg_state=$(mktemp -u "${TMPDIR:-/tmp}/opensag-test-postgres.XXXXXX")
  if pg_connection=$(bash .ci/postgres.sh start "$pg_state"); then
    export OPENSAG_TEST_POSTGRES=$pg_connection
    trap 'bash .ci/postgres.sh stop "$pg_state"' EXIT
  elif [ -n "${CI:-}" ]; then
    fail "CI is set but no throw-away PostgreSQL could be started (see .ci/postgres.sh above; PostgreSQL 15 binaries expected in ${OPENSAG_PG_BIN:-/usr/lib/postgresql/15/bin})"
  else
    echo "test.sh: warning: no throw-away PostgreSQL (see .ci/postgres.sh above); the PostgreSQL tests will be skipped" >&2
  fi
fi

results=$(mktemp -d)
test_status=0
# One project at a time: each gets its own TRX file, and timing-sensitive tests (bandwidth shaping) do not
# compete with another assembly for the two cores.
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" --no-build -c Debug --logger "console;verbosity=normal" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || test_status=$?
done

# One TRX file per test assembly; each has <Counters total=… passed=… failed=… …/>.
read -r passed failed < <(cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*' \
  | sed -E 's/.* passed="([0-9]+)".* failed="([0-9]+)".*/\1 \2/' | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
rm -rf "$results"

# The load benchmarks at smoke scale (bench/README.md), so they cannot silently break: each scenario that runs
# counts as one passed check, each that fails to run as one failed check. Targets are not judged here.
bench_log=$(mktemp)
timeout 900 bash bench/smoke.sh 2>&1 | tee "$bench_log"
if read -r bench_total bench_failed < <(sed -nE 's/^bench: ([0-9]+) scenarios, ([0-9]+) failed to run$/\1 \2/p' "$bench_log" | tail -1) \
  && [ -n "$bench_total" ]; then
  passed=$((passed + bench_total - bench_failed))
  failed=$((failed + bench_failed))
else
  echo "test.sh: the benchmark smoke run did not finish (see its output above)" >&2
  failed=$((failed + 1))
fi
# One more check: a smoke run judges no targets, so it must not print any (a "met? no" there means nothing).
if grep -q 'met?' "$bench_log"; then
  echo "test.sh: the benchmark smoke run printed targets it does not measure" >&2
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi
rm -f "$bench_log"

# packaging/publish.sh at work (packaging/smoke.sh): publish this host's RID, run --version and serve's /healthz from the
# binary alone. One check; after the bench, whose Release build of the libraries it reuses.
if timeout 900 bash packaging/smoke.sh; then
  passed=$((passed + 1))
else
  echo "test.sh: the packaging smoke run failed (see its output above)" >&2
  failed=$((failed + 1))
fi

if [ "$format_ok" -eq 0 ]; then
  echo "test.sh: code is not formatted; run 'dotnet format OpenSag.slnx'" >&2
  failed=$((failed + 1))
fi
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited with $test_status without a failed test (a test host crashed?)" >&2
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
