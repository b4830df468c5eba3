#!/usr/bin/env bash
# Publishes `opensag` as one self-contained, ReadyToRun, single-file executable per runtime identifier (RID):
#   packaging/publish.sh [RID…]        (default: this host's RID, e.g. linux-x64)
# into artifacts/opensag-<version>-<rid>/opensag and artifacts/opensag-<version>-<rid>.tar.gz. Needs only the .NET SDK;
# the runtime and crossgen packs for each RID come from NuGet on the first run. Cross-compiling works: ReadyToRun code
# for linux-arm64 is made on an x64 host by the x64 crossgen2 (it emits arm64 code).
#
# The native libraries that are not part of the runtime (SQLite's libe_sqlite3.so) go inside the file too, and are
# extracted on the first start to DOTNET_BUNDLE_EXTRACT_BASE_DIR (default ~/.net; the systemd unit and the container set
# it): without them the binary starts, prints --version and fails at the first database it opens.
#
# Trimming stays off (the SDK's default for a self-contained app): System.CommandLine, ASP.NET Core and the JSON
# writer reach code by reflection that the trimmer cannot see.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ "$#" -eq 0 ]; then
  # The SDK's own RID (e.g. linux-x64, linux-musl-x64, osx-arm64).
  set -- "$(dotnet --info | sed -nE 's/^ *RID: *([^ ]+)$/\1/p' | head -1)"
fi

version=$(dotnet msbuild src/OpenSag/OpenSag.csproj -nologo -getProperty:Version)
mkdir -p artifacts
for rid in "$@"; do
  name="opensag-$version-$rid"
  out="artifacts/$name"
  rm -rf "$out" "$out.tar.gz"
  echo "publish.sh: $name" >&2
  # The restore is the project's own (no -r: a RID given to restore reaches every referenced library's graph, which
  # their lock files do not hold), in locked mode as in CI: the RuntimeIdentifiers of src/OpenSag/OpenSag.csproj give
  # packages.lock.json a section per published RID, and PublishReadyToRun brings the crossgen pack.
  dotnet restore src/OpenSag/OpenSag.csproj --locked-mode -p:PublishReadyToRun=true -v q -nologo
  dotnet publish src/OpenSag/OpenSag.csproj --no-restore -c Release -r "$rid" --self-contained \
    -p:PublishReadyToRun=true -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:PublishTrimmed=false \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" -v q -nologo
  # Only the executable: single-file leaves nothing else a self-contained app needs (no .pdb with DebugType=none).
  find "$out" -mindepth 1 ! -name opensag -delete
  tar -C artifacts -czf "$out.tar.gz" "$name"
  echo "$out/opensag"
done
