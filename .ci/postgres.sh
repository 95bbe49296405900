#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's packages) for the tests and
# prints its URL on stdout. Usage: eval "$(bash .ci/postgres.sh start DIR)"
# exports KHABAR_POSTGRES_URL; bash .ci/postgres.sh stop DIR stops it.
# CI runs as root and PostgreSQL refuses to, so the cluster runs as the
# postgres user in a folder it owns.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?folder}

bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	return 1
}

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	if ! bin=$(bindir); then
		sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
		$sudo_cmd apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >&2
		bin=$(bindir)
	fi
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
	as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres khabar >&2
	echo "export KHABAR_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/khabar?sslmode=disable"
	;;
stop)
	bin=$(bindir) && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
	;;
esac
