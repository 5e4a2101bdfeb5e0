#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory, as the image's
# superuser. It creates the two roles of the portal:
#   iconet_owner  owns the database, its tables and the audit triggers; only the one-shot
#                 `migrate` service connects as it.
#   iconet_app    what web, worker and beat connect as: data access only (SELECT, INSERT, UPDATE,
#                 DELETE), no ownership, so it can neither drop nor disable the triggers that
#                 keep the audit trail immutable (migration iconet 0004 also takes UPDATE,
#                 DELETE and TRUNCATE on the audit tables away from it).
set -eu
: "${ICONET_OWNER_PASSWORD:?}" "${ICONET_APP_PASSWORD:?}"
db="${POSTGRES_DB:-iconet}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" \
    -v owner_password="$ICONET_OWNER_PASSWORD" -v app_password="$ICONET_APP_PASSWORD" -v db="$db" <<'SQL'
CREATE ROLE iconet_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE iconet_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO iconet_owner;
ALTER SCHEMA public OWNER TO iconet_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO iconet_owner, iconet_app;
GRANT USAGE ON SCHEMA public TO iconet_app;
-- Every table and sequence the owner creates (the migrations) is usable by the portal.
ALTER DEFAULT PRIVILEGES FOR ROLE iconet_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO iconet_app;
ALTER DEFAULT PRIVILEGES FOR ROLE iconet_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO iconet_app;
SQL
