#!/usr/bin/env bash
# CI smoke run of the load benchmarks: every scenario at tiny scale (about two minutes on 2 cores, mostly
# PBKDF2 on user creation and login). Fails only if a scenario fails to run, not if a target is missed.
# stream-path needs root, `ip netns`, iperf3, stunnel and OpenSSH (.ci/run installs them): without them it prints
# why it skipped, except under CI (CI set), where it fails. layer3 needs root, `ip netns`, iperf3 and ping; its smoke
# form measures only the routed path and OpenSAG's layer 3 over UDP (1 round of 2 s), none of the peers (bench/layer3.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dotnet build -c Release src/OpenSag/OpenSag.csproj -nologo -v q
dotnet build -c Release bench/OpenSag.Bench/OpenSag.Bench.csproj -nologo -v q
dotnet build -c Release bench/OpenSag.Bench.Micro/OpenSag.Bench.Micro.csproj -nologo -v q
exec dotnet bench/OpenSag.Bench/bin/Release/net10.0/OpenSag.Bench.dll --smoke "$@"
