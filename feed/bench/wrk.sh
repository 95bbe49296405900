#!/usr/bin/env bash
# Serving a cached feed: req/s of the feed.Handler (examples/feed-server)
# against nginx serving the very same gzipped bytes as a static file, both
# measured with wrk on loopback. Prints both figures and the ratio.
#
#   bash feed/bench/wrk.sh            # 5 s per server, 2 threads, 32 connections
#   DURATION=10s CONNS=64 bash feed/bench/wrk.sh
#
# Installs wrk and nginx (Debian packages) when missing. Runs from anywhere
# inside the repository; everything it writes goes to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin"

DURATION="${DURATION:-5s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-32}"
GO_PORT="${GO_PORT:-18080}"
NGINX_PORT="${NGINX_PORT:-18081}"
FEED_PATH="${FEED_PATH:-/feed/}"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi

work="$(mktemp -d)"
chmod 755 "$work" # nginx workers may run as another user
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building examples/feed-server"
go build -o "$work/feed-server" ./examples/feed-server
"$work/feed-server" -addr "127.0.0.1:$GO_PORT" -data testdata/articles.jsonl >"$work/feed-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	curl -fsS -o /dev/null "http://127.0.0.1:$GO_PORT$FEED_PATH" 2>/dev/null && break
	sleep 0.1
done

# The exact gzipped bytes the handler serves become nginx's static file.
# The first gzip request after a render gets the quick per-item gzip; wait
# for the background whole-page gzip that replaces it.
curl -fsS -H 'Accept-Encoding: gzip' -o /dev/null "http://127.0.0.1:$GO_PORT$FEED_PATH"
sleep 1
mkdir -p "$work/root"
curl -fsS -H 'Accept-Encoding: gzip' -D "$work/headers" -o "$work/root/feed.xml.gz" "http://127.0.0.1:$GO_PORT$FEED_PATH"
grep -qi '^content-encoding: gzip' "$work/headers" || { echo "handler did not gzip"; exit 1; }
grep -qi '^etag: .*-gz"' "$work/headers" || { echo "handler still serves the quick gzip"; exit 1; }
chmod -R a+rX "$work/root"
size=$(wc -c <"$work/root/feed.xml.gz")

cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $work/tmp;
	proxy_temp_path $work/tmp;
	fastcgi_temp_path $work/tmp;
	uwsgi_temp_path $work/tmp;
	scgi_temp_path $work/tmp;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $work/root;
		location = /feed/ {
			default_type "application/rss+xml; charset=utf-8";
			add_header Content-Encoding gzip;
			add_header Vary Accept-Encoding;
			add_header Cache-Control "public, max-age=300";
			try_files /feed.xml.gz =404;
		}
	}
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work"
for _ in $(seq 50); do
	curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/feed/" 2>/dev/null && break
	sleep 0.1
done
if ! cmp -s "$work/root/feed.xml.gz" <(curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NGINX_PORT/feed/"); then
	echo "nginx does not serve the same bytes"; exit 1
fi

rps() {
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H 'Accept-Encoding: gzip' "$1" | tee -a "$work/wrk.log" | awk '/Requests\/sec/ {print $2}'
}
echo "== $size gzipped bytes of $FEED_PATH; wrk -t$THREADS -c$CONNS -d$DURATION on $(nproc) CPUs"
go_rps=$(rps "http://127.0.0.1:$GO_PORT$FEED_PATH")
nginx_rps=$(rps "http://127.0.0.1:$NGINX_PORT/feed/")
go_rps2=$(rps "http://127.0.0.1:$GO_PORT$FEED_PATH")
nginx_rps2=$(rps "http://127.0.0.1:$NGINX_PORT/feed/")
awk -v g1="$go_rps" -v g2="$go_rps2" -v n1="$nginx_rps" -v n2="$nginx_rps2" 'BEGIN {
	g = (g1 + g2) / 2; n = (n1 + n2) / 2
	printf "feed.Handler  %10.0f req/s  (runs: %.0f, %.0f)\n", g, g1, g2
	printf "nginx         %10.0f req/s  (runs: %.0f, %.0f)\n", n, n1, n2
	printf "ratio handler/nginx: %.2f (target >= 0.5)\n", g / n
}'
