#!/usr/bin/env bash
# Vendors the browser assets the application serves itself into app/static/vendor/.
#
# No CDN: pages work offline and on a locked-down network, and no third party sees who
# reads them. Each package is pinned to an exact version and to the integrity hash the
# npm registry publishes for it; a tarball that does not match stops the script.
#
# Usage: scripts/vendor-assets.sh            # every package listed at the bottom
#        scripts/vendor-assets.sh NAME...    # only these npm packages
# Then commit the copied files. Needs npm (only to fetch the tarballs; nothing is installed).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/app/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ONLY=("$@")

# vendor PACKAGE VERSION INTEGRITY DEST FILE...
#   copies each FILE (a path inside the npm package) into app/static/vendor/DEST/ under
#   its base name, and writes DEST/VERSION ("package@version" then the integrity hash).
vendor() {
  local package="$1" version="$2" integrity="$3" dest="$VENDOR/$4"
  shift 4
  if [ ${#ONLY[@]} -gt 0 ] && [[ ! " ${ONLY[*]} " == *" $package "* ]]; then
    return
  fi
  local registry_integrity
  registry_integrity="$(npm view "$package@$version" dist.integrity)"
  if [ "$registry_integrity" != "$integrity" ]; then
    echo "Integrity of $package@$version differs from the pinned one: $registry_integrity" >&2
    exit 1
  fi
  local unpacked="$WORK/$package"
  mkdir -p "$unpacked"
  local tarball
  tarball="$(cd "$unpacked" && npm pack --silent "$package@$version")"
  tar xzf "$unpacked/$tarball" -C "$unpacked"
  # The tarball must be the one pinned above, byte for byte, not just the registry's record.
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$unpacked/$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "Downloaded $package@$version does not match its pinned integrity ($actual)" >&2
    exit 1
  fi

  rm -rf "$dest"
  mkdir -p "$dest"
  local file
  for file in "$@"; do
    cp "$unpacked/package/$file" "$dest/"
  done
  # Source maps are not vendored: drop the references so browsers do not ask for them.
  find "$dest" -type f \( -name '*.js' -o -name '*.css' \) -exec \
    sed -i -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' {} +
  printf '%s@%s\n%s\n' "$package" "$version" "$integrity" >"$dest/VERSION"
  echo "Vendored $package@$version into ${dest#"$ROOT"/}"
}

# One line per package: name, exact version, registry integrity, folder, files to copy.
# flask-smorest's Swagger UI page (/api/v1/docs) loads swagger-ui.css, swagger-ui-bundle.js
# and swagger-ui-standalone-preset.js from OPENAPI_SWAGGER_UI_URL; LICENSE and NOTICE are
# the Apache-2.0 terms, the .LICENSE.txt lists the bundled third-party code.
vendor swagger-ui-dist 5.35.0 \
  sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ== \
  swagger-ui swagger-ui.css swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt \
  swagger-ui-standalone-preset.js LICENSE NOTICE
# The Socket.IO browser client (docs/live.md): 4.x speaks protocol v5, as python-socketio 5.x.
vendor socket.io-client 4.8.4 \
  sha512-7wjKAvVXYOJsbmUgkWbnhPD4bFpkqrUR0++XOjpGFmqDqsqV1CI93VTraeExLxpjxEqrWgFoSRZu1ihjLWfkAA== \
  socket.io dist/socket.io.min.js LICENSE
