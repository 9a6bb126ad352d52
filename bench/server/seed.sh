# Sourced by run.sh and idle-rss.sh: seeds a running shapeblock-server
# the way the benchmark measures it (log in, a personal API token, one project
# on a cluster with 20 apps).
#
#   seed_server <base-url> <password> <work-dir>
#
# Sets AUTH (the Authorization header), TEAM, PROJECT and APP (the last app).

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

seed_server() {
  local base="$1" password="$2" work="$3" login csrf token
  login="$(curl -s -c "$work/cookies" -X POST "$base/api/v1/auth/login" -d "{\"email\":\"bench@example.test\",\"password\":\"$password\"}")"
  csrf="$(echo "$login" | json "['csrfToken']")"
  token="$(curl -s -b "$work/cookies" -H "X-CSRF-Token: $csrf" -X POST "$base/api/v1/me/tokens" -d '{"name":"bench"}' | json "['token']")"
  AUTH="Authorization: Bearer $token"
  TEAM="$(curl -s -H "$AUTH" "$base/api/v1/teams" | json "['items'][0]['id']")"
  # A build needs its project on a cluster (the FastAPI reference has no clusters).
  local cluster project='{"name":"bench"}'
  cluster="$(curl -s -H "$AUTH" -X POST "$base/api/v1/teams/$TEAM/clusters" -d '{"name":"bench"}' | json ".get('id', '')" 2>/dev/null || true)"
  [ -n "$cluster" ] && project="{\"name\":\"bench\",\"clusterId\":\"$cluster\"}"
  PROJECT="$(curl -s -H "$AUTH" -X POST "$base/api/v1/teams/$TEAM/projects" -d "$project" | json "['id']")"
  for i in $(seq 1 20); do
    APP="$(curl -s -H "$AUTH" -X POST "$base/api/v1/teams/$TEAM/projects/$PROJECT/apps" \
      -d "{\"name\":\"app-$i\",\"git\":{\"url\":\"https://example.test/app-$i.git\"},\"domains\":[\"app-$i.example.test\"]}" | json "['id']")"
  done
}
