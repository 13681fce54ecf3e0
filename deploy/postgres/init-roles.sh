#!/bin/sh
# Run once by the postgres image when it makes its data folder: the role the services run
# under. It owns nothing; `python -m zg_common.migrate` (compose's migrate job, as the owner
# POSTGRES_USER) grants it the rows of each schema, and nothing else.
set -eu
echo "CREATE ROLE zongguan_app LOGIN PASSWORD :'password';" |
  psql -v ON_ERROR_STOP=1 -v password="$ZG_DB_APP_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
