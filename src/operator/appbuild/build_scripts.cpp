#include "operator/appbuild/build_scripts.hpp"

namespace sb::op::appbuild::scripts {

const std::string_view clone = R"SH(set -u
sb=/workspace/.sb
mkdir -p "$sb" "$HOME" /workspace/platform/env
fail() {
  code="$1"; shift
  echo "shapeblock: clone failed: $*" >&2
  exit "$code"
}
# Maps git's error output to an exit code: 10 auth, 11 ref, 12 network, 13 other.
git_failed() {
  cat "$sb/git.err" >&2
  if grep -qiE 'could not read (username|password)|authentication failed|permission denied|access denied|invalid (username|credentials)|host key verification failed|repository .*not found|not authorized|returned error: 40[13]' "$sb/git.err"; then
    fail 10 "$1: authentication failed or no access to $GIT_URL (check the app's git secret or deploy key)"
  elif grep -qiE "couldn't find remote ref|remote branch .* not found|not our ref|unknown revision|did not match any|reference is not a tree|unadvertised object|bad revision" "$sb/git.err"; then
    fail 11 "$1: ref '$GIT_REF' not found in $GIT_URL"
  elif grep -qiE 'could not resolve host|could not resolve hostname|connection refused|connection timed out|network is unreachable|no route to host|timed out|name resolution' "$sb/git.err"; then
    fail 12 "$1: cannot reach the git host of $GIT_URL"
  fi
  fail 13 "$1 failed"
}
run_git() {
  what="$1"; shift
  git "$@" 2>"$sb/git.err" || git_failed "$what"
}

creds=/etc/shapeblock/git
key=""
for k in ssh-privatekey identity; do [ -f "$creds/$k" ] && key="$creds/$k" && break; done
if [ -n "$key" ]; then
  cp "$key" "$HOME/ssh-key" && chmod 600 "$HOME/ssh-key"
  checking=accept-new
  if [ -f "$creds/known_hosts" ]; then cp "$creds/known_hosts" "$HOME/known_hosts"; checking=yes; else : > "$HOME/known_hosts"; fi
  export GIT_SSH_COMMAND="ssh -i $HOME/ssh-key -o IdentitiesOnly=yes -o StrictHostKeyChecking=$checking -o UserKnownHostsFile=$HOME/known_hosts"
elif [ -f "$creds/password" ] || [ -f "$creds/token" ]; then
  git config --global credential.helper '!f() { [ "$1" = get ] || return 0; d=/etc/shapeblock/git; if [ -f $d/username ]; then echo "username=$(cat $d/username)"; else echo username=x-access-token; fi; if [ -f $d/password ]; then echo "password=$(cat $d/password)"; else echo "password=$(cat $d/token)"; fi; }; f'
fi
export GIT_TERMINAL_PROMPT=0

src=/workspace/src
if [ -n "${SOURCE_DIGEST:-}" ]; then
  # An uploaded source: the source step unpacked it here; its digest stands for the commit.
  cd "$src" || fail 14 "the uploaded source was not unpacked into $src"
  commit="$SOURCE_DIGEST"
  origin="the upload $(printf '%s' "$commit" | cut -c1-19)"
  done_what="building from $origin"
else
  run_git "git init" init -q "$src"
  cd "$src" || fail 13 "cannot enter $src"
  run_git "git remote" remote add origin "$GIT_URL"
  ref="${GIT_REF:-}"
  if [ -z "$ref" ]; then
    run_git "fetch of the default branch" fetch -q --depth 1 origin HEAD
    run_git checkout checkout -q FETCH_HEAD
  elif git fetch -q --depth 1 origin "$ref" 2>"$sb/git.err"; then
    run_git checkout checkout -q FETCH_HEAD
  elif printf '%s' "$ref" | grep -qE '^[0-9a-f]{7,40}$'; then
    # A commit the host will not serve shallowly (or an abbreviated one): fetch the history.
    run_git "fetch of $GIT_URL" fetch -q --tags origin '+refs/heads/*:refs/remotes/origin/*'
    git checkout -q "$ref" 2>"$sb/git.err" || { cat "$sb/git.err" >&2; fail 11 "commit '$ref' not found in $GIT_URL"; }
  else
    git_failed "fetch of '$ref'"
  fi

  commit="$(git rev-parse HEAD)"
  origin="commit $commit"
  done_what="cloned $commit"
fi
# Built before with the same settings: its image is deployed, nothing is built.
for done_commit in ${REUSABLE_COMMITS:-}; do
  if [ "$done_commit" = "$commit" ]; then
    printf 'reuse\n' > "$sb/type"
    printf 'commit=%s\nreuse=true\n' "$commit" > /dev/termination-log
    echo "shapeblock: $origin was built before with the same settings; reusing its image"
    exit 0
  fi
done
ctx="$src${CONTEXT_PATH:+/$CONTEXT_PATH}"
[ -d "$ctx" ] || fail 14 "context path '$CONTEXT_PATH' does not exist in $origin"
dockerfile="$ctx/${DOCKERFILE:-Dockerfile}"
type="$BUILD_TYPE"
if [ "$type" = detect ]; then
  if [ -f "$dockerfile" ]; then type=dockerfile; else type=buildpack; fi
  echo "shapeblock: detected build type $type"
elif [ "$type" = dockerfile ] && [ ! -f "$dockerfile" ]; then
  fail 14 "no Dockerfile at '${CONTEXT_PATH:+$CONTEXT_PATH/}${DOCKERFILE:-Dockerfile}' in $origin"
fi
# As commit_tag() in job_builder: an upload's digest is no tag.
case "$commit" in
  sha256:*) default_tag="src-$(printf '%s' "$commit" | cut -c8-19)" ;;
  *) default_tag="$(printf '%s' "$commit" | cut -c1-12)" ;;
esac
tag="${IMAGE_TAG:-$default_tag}"
image="$IMAGE_REPOSITORY:$tag"
if [ "$type" = buildpack ]; then
  # Values come in SBV_0, SBV_1... (keys may hold '.' or '-', which sh drops from its environment).
  i=0
  for k in $BUILD_VAR_KEYS; do eval "v=\"\${SBV_$i}\""; printf '%s' "$v" > "/workspace/platform/env/$k"; i=$((i + 1)); done
fi
printf '%s\n' "$type" > "$sb/type"
printf '%s\n' "$image" > "$sb/image"
printf '%s\n' "$commit" > "$sb/commit"
printf 'commit=%s\ntype=%s\nimage=%s\n' "$commit" "$type" "$image" > /dev/termination-log
echo "shapeblock: $done_what; building $image with $type"
)SH";

const std::string_view kaniko = R"SH(type="$(cat /workspace/.sb/type)"
if [ "$type" = reuse ]; then echo "shapeblock: image reused; nothing to build"; exit 0; fi
if [ "$type" != dockerfile ]; then echo "shapeblock: $type build; the dockerfile builder has nothing to do"; exit 0; fi
image="$(cat /workspace/.sb/image)"
exec /kaniko/executor "$@" --destination="$image"
)SH";

const std::string_view buildah = R"SH(type="$(cat /workspace/.sb/type)"
if [ "$type" = reuse ]; then echo "shapeblock: image reused; nothing to build"; exit 0; fi
if [ "$type" != dockerfile ]; then echo "shapeblock: $type build; the dockerfile builder has nothing to do"; exit 0; fi
image="$(cat /workspace/.sb/image)"
# The storage driver goes to every buildah command (build and push share the store).
buildah --storage-driver="$STORAGE_DRIVER" build "$@" --tag="$image" "$CONTEXT_DIR" || exit $?
buildah --storage-driver="$STORAGE_DRIVER" push $BUILDAH_PUSH_FLAGS --digestfile=/dev/termination-log "$image" || { rc=$?; echo "shapeblock: push failed: $image" >&2; exit $rc; }
)SH";

const std::string_view creator = R"SH(type="$(cat /workspace/.sb/type)"
if [ "$type" = reuse ]; then echo "shapeblock: image reused; nothing to build"; exit 0; fi
if [ "$type" != buildpack ]; then echo "shapeblock: $type build; the buildpack builder has nothing to do"; exit 0; fi
image="$(cat /workspace/.sb/image)"
/cnb/lifecycle/creator "$@" "$image" || exit $?
sed -n 's/^[[:space:]]*digest[[:space:]]*=[[:space:]]*"\(sha256:[0-9a-f]*\)".*/\1/p' /layers/report.toml | head -n 1 > /dev/termination-log
)SH";

}  // namespace sb::op::appbuild::scripts
