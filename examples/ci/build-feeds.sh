#!/usr/bin/env bash
# Build a site's feeds, prove them valid and up to date, and stage what partners may fetch:
# the steps of examples/ci/feeds.yml, for any CI system (or a cron job).
#
#   build-feeds.sh            export, validate, export --check, stage
#   build-feeds.sh shard I/N  export shard I of N only (feeds-sharded.yml's matrix jobs): upload
#                             FEEDS_DIR; nothing is staged
#   build-feeds.sh index      once every shard's FEEDS_DIR is copied into this FEEDS_DIR: write
#                             its index.opml and manifest.json, validate, stage
#
#   SYNDICATE_CONFIG  the site's syndicate.toml             (default: syndicate.toml)
#   SYNDICATE_STORE   the store, if not the config's        (optional; a URL keeps its password out of the log)
#   FEEDS_DIR         the export's own directory, kept between runs (default: feeds)
#   PUBLISH_DIR       what to upload or deploy: FEEDS_DIR without syndicate's manifest (default: public/feeds)
#   REPORTS_DIR       the JSON reports of each step         (default: reports)
#
# Needs the syndicate command on PATH (pip install syndicate-feeds). Exits non-zero, with the
# failing command's own exit code, if any step fails: nothing is staged then.
set -euo pipefail

config=${SYNDICATE_CONFIG:-syndicate.toml}
feeds=${FEEDS_DIR:-feeds}
publish=${PUBLISH_DIR:-public/feeds}
reports=${REPORTS_DIR:-reports}
mkdir -p "$reports"

case "${1:-}" in
    "")
        syndicate export --config "$config" --out "$feeds" --json > "$reports/export.json"
        syndicate validate "$feeds" --json > "$reports/validate.json"
        # What was just published must be what the store says now: nothing stale.
        syndicate export --config "$config" --out "$feeds" --check --json > "$reports/check.json"
        ;;
    shard)
        shard=${2:?usage: build-feeds.sh shard I/N}
        syndicate export --config "$config" --out "$feeds" --shard "$shard" --json \
            > "$reports/export-${shard/\//-of-}.json"
        echo "shard $shard exported into $feeds"
        exit 0
        ;;
    index)
        syndicate index "$feeds" --config "$config"
        syndicate validate "$feeds" --json > "$reports/validate.json"
        ;;
    *)
        echo "usage: build-feeds.sh [shard I/N | index]" >&2
        exit 2
        ;;
esac

# Stage a copy without manifest.json and hidden temporaries, replaced whole.
staging="$publish.staging"
rm -rf "$staging"
mkdir -p "$staging"
cp -R "$feeds/." "$staging/"
rm -f "$staging/manifest.json"
find "$staging" -name '.*' -type f -delete
rm -rf "$publish"
mv "$staging" "$publish"
echo "feeds valid${1:+ (merged from the shards)}; $(find "$publish" -type f | wc -l) files staged in $publish"
