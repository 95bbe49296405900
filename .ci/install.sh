#!/usr/bin/env bash
# Installs what khabar's CI and tests need, and nothing else (the serving
# benchmark, feed/bench/wrk.sh, installs nginx and wrk itself). Safe to run
# again; runs apt-get update at most once.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export PATH="$PATH:$(go env GOPATH)/bin"

if ! command -v staticcheck >/dev/null 2>&1; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

# Debian packages the tests use:
# - python3 and python3-feedparser: feed's interop tests read the rendered
#   feeds with feedparser; digest's read the composed messages with
#   Python's email package (standard library);
# - python3-dkim (dkimpy): digest-sender's TestDKIMIndependentVerifier
#   verifies the sent messages' DKIM signatures with it, an implementation
#   that shares no code with the signer;
# - spamassassin: TestSpamAssassin scores the composed messages with its
#   local rules (spamassassin -L -t; no network);
# - postgresql: the postgres package and the multi-process tests run
#   against a throwaway cluster .ci/postgres.sh starts;
# - chromium and fonts-noto-core: the screenshot tests
#   (internal/browsertest) open the digest and the example pages in
#   headless Chromium; fonts-noto-core has the Devanagari and Nastaliq
#   fonts they are set in.
apt_need=()
command -v python3 >/dev/null 2>&1 || apt_need+=(python3)
/usr/bin/python3 -c 'import feedparser' >/dev/null 2>&1 || apt_need+=(python3-feedparser)
/usr/bin/python3 -c 'import dkim' >/dev/null 2>&1 || apt_need+=(python3-dkim)
command -v spamassassin >/dev/null 2>&1 || apt_need+=(spamassassin)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_need+=(postgresql)
command -v chromium >/dev/null 2>&1 || apt_need+=(chromium)
[ -f /usr/share/fonts/truetype/noto/NotoNastaliqUrdu-Regular.ttf ] || apt_need+=(fonts-noto-core)
if [ ${#apt_need[@]} -gt 0 ]; then
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_need[@]}"
fi

# feed: the interop tests also read the feeds with the npm package rss-parser.
if [ ! -d .ci/node/node_modules/rss-parser ]; then
	mkdir -p .ci/node
	npm install --prefix .ci/node --no-audit --no-fund --silent rss-parser@3.13.0
fi

# digest, digest/signup and the example pages: the tests check the HTML they
# render with the npm package html-validate (internal/htmlvalidate); 9.7.1
# runs on node 18.19 (Debian 12's) and later, 10.x would need 20.19.
if [ ! -d .ci/node/node_modules/html-validate ]; then
	mkdir -p .ci/node
	npm install --prefix .ci/node --no-audit --no-fund --silent html-validate@9.7.1
fi
