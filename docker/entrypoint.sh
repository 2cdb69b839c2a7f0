#!/bin/sh
# Entry point of the production image: the product's commands by name, as `npm run <command> --` runs them in a
# checkout, so that `docker compose run broker keys generate` or `... accounts import /data/accounts.csv` work.
#   start (default)   the broker (compiled: dist/main.js)
#   keys ...          signing keys (scripts/keys.ts, run by Node 24's type stripping, like npm run keys)
#   accounts ...      customer accounts import and migration (scripts/accounts.ts)
#   admin ...         the admin API from the command line (scripts/admin.ts; ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET)
# Anything else is run as given (a shell, node -e ...).
set -e
cd "$(dirname "$0")/.."
command="${1:-start}"
[ $# -gt 0 ] && shift
case "$command" in
  start) exec node dist/main.js "$@" ;;
  keys) exec node scripts/keys.ts "$@" ;;
  accounts) exec node scripts/accounts.ts "$@" ;;
  admin) exec node scripts/admin.ts "$@" ;;
  *) exec "$command" "$@" ;;
esac
