#!/usr/bin/env bash
# Installs the tools khabar's CI and interop tests need. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export PATH="$PATH:$(go env GOPATH)/bin"

if ! command -v staticcheck >/dev/null 2>&1; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

# feed: interop tests read the rendered feeds with Python's feedparser and
# the npm package rss-parser; feed/bench/wrk.sh needs wrk and nginx.
feed_apt=()
/usr/bin/python3 -c 'import feedparser' >/dev/null 2>&1 || feed_apt+=(python3-feedparser)
command -v wrk >/dev/null 2>&1 || feed_apt+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || feed_apt+=(nginx-light)
if [ ${#feed_apt[@]} -gt 0 ]; then
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${feed_apt[@]}"
fi
if [ ! -d .ci/node/node_modules/rss-parser ]; then
	mkdir -p .ci/node
	npm install --prefix .ci/node --no-audit --no-fund --silent rss-parser@3.13.0
fi

# digest: TestEMLWithPython reads the composed messages with Python's own
# email package (standard library only).
if ! command -v python3 >/dev/null 2>&1; then
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3
fi

# digest: TestSpamAssassin scores the composed messages with SpamAssassin's
# local rules (spamassassin -L -t; no network).
if ! command -v spamassassin >/dev/null 2>&1; then
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq spamassassin
fi
