#!/bin/sh
# The part of the official postgres image's entrypoint the Arena uses: on an empty PGDATA, initdb
# with POSTGRES_USER/POSTGRES_PASSWORD and create POSTGRES_DB; then run the server as postgres,
# listening on all addresses with password authentication (trust only on its own unix socket).
set -eu
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    printf '%s\n' "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" > /tmp/pwfile
    chown postgres /tmp/pwfile
    su postgres -s /bin/sh -c "initdb -D '$PGDATA' -U '$POSTGRES_USER' --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null"
    rm /tmp/pwfile
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    su postgres -s /bin/sh -c "pg_ctl -D '$PGDATA' -o '-c listen_addresses=' -w start >/dev/null"
    if [ "$POSTGRES_DB" != postgres ]; then
        su postgres -s /bin/sh -c "psql -U '$POSTGRES_USER' -d postgres -v ON_ERROR_STOP=1 -c 'CREATE DATABASE \"$POSTGRES_DB\"'" >/dev/null
    fi
    su postgres -s /bin/sh -c "pg_ctl -D '$PGDATA' -m fast -w stop >/dev/null"
fi
exec su postgres -s /bin/sh -c "exec $* -c listen_addresses='*'"
