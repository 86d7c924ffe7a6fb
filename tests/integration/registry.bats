#!/usr/bin/env bats
# hpc and image registries (issue 18): docker:// references in pull, build and the actions, and
# oras push and pull, against real registries on the loopback (Debian's docker-registry).
#
# tests/integration/run, started as root, starts two for the whole run (tests/setup/registry), run
# by nobody so that the tests can neither stop nor change them, each serving debian:minbase
# (make-oci-images's two-layer Debian minbase), tiny:1 (one busybox layer) and multi:1 (an index
# of arm64, ppc64le and amd64 images whose /arch says which):
#   HPC_TEST_REGISTRY           host:port of the plain one: http, no credentials
#   HPC_TEST_TLS_REGISTRY       host:port of the other: https with a certificate of a CA of its own,
#                               and credentials asked for every request
#   HPC_TEST_REGISTRY_CA        that CA (PEM), readable by the tests
#   HPC_TEST_REGISTRY_USER, HPC_TEST_REGISTRY_PASSWORD   its credentials
#   HPC_TEST_REGISTRY_DIR       the plain one's directory (port, url, pid; read-only here)
# A test that stops or changes a registry starts one of its own with own_registry (below): it
# runs as the test user, in the test's temporary directory, and teardown stops it.
load common

REGISTRY_TOOL=$BATS_TEST_DIRNAME/registry
OCI=${HPC_TEST_OCI_IMAGES:-}

TOKEN_REGISTRY=$BATS_TEST_DIRNAME/token-registry

setup() {
    [ -n "${HPC_TEST_REGISTRY:-}" ] && [ -n "${HPC_TEST_TLS_REGISTRY:-}" ] ||
        skip "no test registries: tests/integration/run starts them when started as root with registry.bats"
    work=$(scratch_dir)
    cd "$work"
    # Each test its own cache, so that what one fetched is no other's hit.
    export HPC_CACHEDIR=$BATS_TEST_TMPDIR/cache
    PLAIN=$HPC_TEST_REGISTRY TLS=$HPC_TEST_TLS_REGISTRY
}

teardown() {
    [ -z "${own_registry_dir:-}" ] || "$REGISTRY_TOOL" stop "$own_registry_dir"
    [ -z "${token_registry_pid:-}" ] || { kill "$token_registry_pid" 2>/dev/null; wait "$token_registry_pid" || true; }
}

# token_registry LAYOUT NAME [OPTIONS...]: tests/integration/token-registry serving LAYOUT as
# NAME with Bearer tokens, its requests logged to $token_log; sets $token_registry (host:port).
token_registry() {
    local layout=$1 name=$2
    shift 2
    token_log=$BATS_TEST_TMPDIR/token.log
    rm -f "$BATS_TEST_TMPDIR/token.port"
    "$TOKEN_REGISTRY" --layout "$layout" --repository "$name" --port-file "$BATS_TEST_TMPDIR/token.port" \
        --log "$token_log" "$@" 2>"$BATS_TEST_TMPDIR/token.stderr" 3>&- &
    token_registry_pid=$!
    for _ in $(seq 100); do
        [ -s "$BATS_TEST_TMPDIR/token.port" ] && break
        sleep 0.1
    done
    token_registry=127.0.0.1:$(cat "$BATS_TEST_TMPDIR/token.port")
}

# The Debian minbase image's layout (two layers), unpacked from its archive into the test's own
# directory, for the token registry to serve.
debian_layout() {
    mkdir -p "$BATS_TEST_TMPDIR/debian"
    tar -xf "$OCI/debian.oci.tar" -C "$BATS_TEST_TMPDIR/debian"
    echo "$BATS_TEST_TMPDIR/debian"
}

# What the plain registry answers a HEAD of NAME:TAG with: the manifest's digest.
registry_digest() {
    curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' -H 'Accept: application/vnd.oci.image.index.v1+json' \
        "http://$PLAIN/v2/$1/manifests/$2" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

# The blobs and SIFs the cache holds, by `hpc cache list -v`'s kinds.
cached() { "$HPC" cache list -v | awk -v kind="$1" '$1 == kind' | wc -l; }

# own_registry [--tls] [--htpasswd USER:PASSWORD]: starts a registry of this test's own in
# $own_registry_dir (its url, port and pid files there; with --tls its CA is ca.pem there), which
# `"$REGISTRY_TOOL" stop|start "$own_registry_dir"` stops and starts again, on the same port with
# the same content. Push into it with
# `"$REGISTRY_TOOL" push "$own_registry_dir" "oci:$OCI/crafted/tiny:latest" tiny:1 [--creds U:P]`.
own_registry() {
    own_registry_dir=$BATS_TEST_TMPDIR/registry
    "$REGISTRY_TOOL" start "$own_registry_dir" "$@"
}

# The catalog of the TLS registry, with the CA and curl's OPTIONS.
tls_catalog() {
    curl -s --cacert "$HPC_TEST_REGISTRY_CA" "$@" "https://$HPC_TEST_TLS_REGISTRY/v2/_catalog"
}

# The architectures of the index on stdin, in its order.
platforms() {
    python3 -c 'import json, sys; print(*(m["platform"]["architecture"] for m in json.load(sys.stdin)["manifests"]))'
}

@test "the test registries serve the images; the TLS one asks for credentials" {
    run curl -sf "http://$HPC_TEST_REGISTRY/v2/_catalog"
    [ "$status" -eq 0 ]
    # library/tiny: Docker Hub's path of docker://tiny, for the site mirror's test.
    [ "$output" = '{"repositories":["debian","library/tiny","multi","tiny"]}' ]
    run curl -sf "http://$HPC_TEST_REGISTRY/v2/debian/tags/list"
    [ "$output" = '{"name":"debian","tags":["minbase"]}' ]
    run tls_catalog -o /dev/null -w '%{http_code}'
    [ "$output" = 401 ]
    run tls_catalog -o /dev/null -w '%{http_code}' -u "$HPC_TEST_REGISTRY_USER:wrong-$HPC_TEST_REGISTRY_PASSWORD"
    [ "$output" = 401 ]
    run tls_catalog -f -u "$HPC_TEST_REGISTRY_USER:$HPC_TEST_REGISTRY_PASSWORD"
    [ "$status" -eq 0 ]
    [ "$output" = '{"repositories":["debian","multi","tiny"]}' ]
    # multi:1 is the index itself, every platform's manifest pushed with it.
    run curl -sf -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$HPC_TEST_REGISTRY/v2/multi/manifests/1"
    [ "$status" -eq 0 ]
    index=$output
    [ "$(platforms <<<"$index")" = "arm64 ppc64le amd64" ]
    for digest in $(grep -o 'sha256:[0-9a-f]*' <<<"$index"); do
        curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
            "http://$HPC_TEST_REGISTRY/v2/multi/manifests/$digest"
    done
}

@test "pull by tag from a plain registry (--no-https): NAME_TAG.sif, which runs; a second pull fetches nothing" {
    run --separate-stderr "$HPC" pull --no-https "docker://$PLAIN/multi:1"
    [ "$status" -eq 0 ]
    [ -f multi_1.sif ]
    [[ "$stderr" == *"hpc: pulled multi_1.sif (SIF, "* ]]
    run "$HPC" exec multi_1.sif cat /arch
    [ "$output" = "$(host_arch)" ]
    [ "$(cached sif)" -eq 1 ]
    blobs=$(cached blob)
    # Cached: the tag asked again (one HEAD), nothing fetched or built.
    run --separate-stderr "$HPC" pull --no-https -F "docker://$PLAIN/multi:1"
    [ "$status" -eq 0 ]
    [[ "$stderr" != *fetching* && "$stderr" != *building* ]]
    [ "$(cached blob)" -eq "$blobs" ]
}

@test "pull by digest; the index's entry for this machine, or --arch's, its SIF cached by the manifest's digest" {
    digest=$(registry_digest multi 1)
    [[ "$digest" == sha256:* ]]
    run "$HPC" pull --no-https by-digest.sif "docker://$PLAIN/multi@$digest"
    [ "$status" -eq 0 ]
    [ "$(image_cat by-digest.sif arch)" = "$(host_arch)" ]
    other=arm64
    [ "$(host_arch)" != arm64 ] || other=amd64
    run "$HPC" pull --no-https --arch "$other" other.sif "docker://$PLAIN/multi:1"
    [ "$status" -eq 0 ]
    [ "$(image_cat other.sif arch)" = "$other" ]
    [ "$(cached sif)" -eq 2 ]
    run --separate-stderr "$HPC" pull --no-https --arch s390x s390x.sif "docker://$PLAIN/multi:1"
    [ "$status" -eq 66 ]
    [[ "$stderr" == *s390x* && "$stderr" == *ppc64le* ]]
    [ ! -e s390x.sif ]
}

@test "errors: a missing image or tag 66, a registry not there 69, plain http only with --no-https, bad references 64" {
    run --separate-stderr "$HPC" pull --no-https x.sif "docker://$PLAIN/multi:nope"
    [ "$status" -eq 66 ]
    [ "$stderr" = "hpc: docker://$PLAIN/multi:nope: manifest nope: not found (HTTP 404)" ]
    run --separate-stderr "$HPC" pull --no-https x.sif "docker://$PLAIN/nothing/here:1"
    [ "$status" -eq 66 ]
    run --separate-stderr "$HPC" --quiet pull --no-https x.sif "docker://127.0.0.1:1/multi:1"
    [ "$status" -eq 69 ]
    [[ "$stderr" == "hpc: http://127.0.0.1:1/v2/multi/manifests/1: cannot connect: "* ]]
    # https by default: the plain registry does not speak TLS.
    run --separate-stderr "$HPC" --quiet pull x.sif "docker://$PLAIN/multi:1"
    [ "$status" -eq 69 ]
    [[ "$stderr" == *"https://$PLAIN/v2/multi/manifests/1"* ]]
    run --separate-stderr "$HPC" pull x.sif "docker://$PLAIN/Multi:1"
    [ "$status" -eq 64 ]
    run --separate-stderr "$HPC" pull x.sif "library://lab/x"
    [ "$status" -eq 64 ]
    [ ! -e x.sif ]
    [ "$(cached sif)" -eq 0 ]
}

@test "TLS with credentials: none or wrong 77, right ones from the environment, --authfile or config.json; an unknown CA 69" {
    export SSL_CERT_FILE=$HPC_TEST_REGISTRY_CA
    run --separate-stderr "$HPC" pull x.sif "docker://$TLS/tiny:1"
    [ "$status" -eq 77 ]
    [[ "$stderr" == "hpc: docker://$TLS/tiny:1: "*"needs credentials"* ]]
    HPC_DOCKER_USERNAME=$HPC_TEST_REGISTRY_USER HPC_DOCKER_PASSWORD=wrong run --separate-stderr "$HPC" pull x.sif "docker://$TLS/tiny:1"
    [ "$status" -eq 77 ]
    [[ "$stderr" == *"refused"* ]]
    [ ! -e x.sif ]
    APPTAINER_DOCKER_USERNAME=$HPC_TEST_REGISTRY_USER APPTAINER_DOCKER_PASSWORD=$HPC_TEST_REGISTRY_PASSWORD \
        run "$HPC" pull env.sif "docker://$TLS/tiny:1"
    [ "$status" -eq 0 ]
    auth=$(printf '%s:%s' "$HPC_TEST_REGISTRY_USER" "$HPC_TEST_REGISTRY_PASSWORD" | base64)
    printf '{"auths": {"https://%s": {"auth": "%s"}}}\n' "$TLS" "$auth" >auth.json
    run "$HPC" pull --disable-cache --authfile auth.json authfile.sif "docker://$TLS/tiny:1"
    [ "$status" -eq 0 ]
    mkdir docker-config
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$TLS" "$auth" >docker-config/config.json
    DOCKER_CONFIG=$work/docker-config run "$HPC" pull -F --disable-cache authfile.sif "docker://$TLS/tiny:1"
    [ "$status" -eq 0 ]
    unset SSL_CERT_FILE
    run --separate-stderr "$HPC" --quiet pull --authfile auth.json -F --disable-cache x.sif "docker://$TLS/tiny:1"
    [ "$status" -eq 69 ]
    [[ "$stderr" == *"TLS: "* ]]
    [ ! -e x.sif ]
}

@test "--docker-login asks on the terminal, the password unechoed; without a terminal it is refused (64)" {
    command -v script >/dev/null || skip "no script(1) to give hpc a terminal"
    export SSL_CERT_FILE=$HPC_TEST_REGISTRY_CA
    # Typed after each prompt, as a user would: a hidden read discards what came before it.
    run bash -c "{ sleep 2; echo '$HPC_TEST_REGISTRY_USER'; sleep 2; echo '$HPC_TEST_REGISTRY_PASSWORD'; } |
        script -qec \"'$HPC' pull --docker-login login.sif docker://$TLS/tiny:1\" /dev/null"
    [ "$status" -eq 0 ]
    [ -f login.sif ]
    [[ "$output" == *"Enter Docker Username: "* && "$output" == *"Enter Docker Password: "* ]]
    [[ "$output" != *"$HPC_TEST_REGISTRY_PASSWORD"* ]]
    run --separate-stderr setsid -w "$HPC" pull --docker-login x.sif "docker://$TLS/tiny:1" </dev/null
    [ "$status" -eq 64 ]
    [ "$stderr" = "hpc: --docker-login asks on a terminal, and there is none" ]
}

@test "the Bearer token flow as Docker Hub does it: a token for the credentials, kept off a redirect to storage, 503 retried" {
    layout=$OCI/crafted/tiny
    token_registry "$layout" lab/tiny --user alice --password s3cret --redirect-blobs --fail-first 1
    run --separate-stderr "$HPC" pull --no-https x.sif "docker://$token_registry/lab/tiny:latest"
    [ "$status" -eq 77 ]
    HPC_DOCKER_USERNAME=alice HPC_DOCKER_PASSWORD=s3cret run --separate-stderr "$HPC" pull --no-https x.sif \
        "docker://$token_registry/lab/tiny:latest"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"retrying http://$token_registry/v2/lab/tiny/manifests/latest"*"(503)"* ]]
    grep -q "^GET /token.* 200 AUTH=basic" "$token_log"
    grep -q "^GET /storage/sha256/.* 200 AUTH=none" "$token_log"
    ! grep -q "^GET /storage/.*AUTH=bearer" "$token_log"
}

@test "8 pulls of one image into one cache at once: all succeed, each blob fetched once" {
    token_registry "$(debian_layout)" debian
    pulls=()
    for i in $(seq 8); do
        "$HPC" --quiet pull --no-https "out$i.sif" "docker://$token_registry/debian:latest" 2>"err$i" &
        pulls+=($!)
    done
    failed=0
    for pull in "${pulls[@]}"; do wait "$pull" || failed=$((failed + 1)); done
    cat err* >&2
    [ "$failed" -eq 0 ]
    for i in $(seq 2 8); do cmp out1.sif "out$i.sif"; done
    # Every blob of the image (config, two layers) asked for once in all.
    run bash -c "grep -o '^GET /v2/debian/blobs/sha256:[0-9a-f]* 200' '$token_log' | sort | uniq -c"
    echo "$output" >&2
    [ "${#lines[@]}" -eq 3 ]
    [[ "$output" != *" 2 GET"* && "$output" != *" 3 GET"* ]]
    ! [[ "$output" =~ [2-9]\ GET ]]
    [ "$(cached sif)" -eq 1 ]
}

@test "a pull killed with SIGKILL in the middle of a blob: nothing trusted is left, the next pull succeeds" {
    token_registry "$(debian_layout)" debian --blob-rate 4000000
    # Its own TMPDIR, to see that a pull killed while it downloads leaves no work area either.
    mkdir tmp
    TMPDIR=$work/tmp "$HPC" --quiet pull --no-https killed.sif "docker://$token_registry/debian:latest" 2>/dev/null &
    pid=$!
    # Until a temporary blob has data in it.
    for _ in $(seq 200); do
        [ -n "$(find "$HPC_CACHEDIR/blobs" -name '*.tmp-*' -size +100k 2>/dev/null)" ] && break
        sleep 0.1
    done
    [ -n "$(find "$HPC_CACHEDIR/blobs" -name '*.tmp-*' 2>/dev/null)" ]
    kill -KILL "$pid"
    wait "$pid" || true
    [ ! -e killed.sif ]
    [ "$(cached sif)" -eq 0 ]
    [ -z "$(ls -A tmp)" ]
    kill "$token_registry_pid"
    wait "$token_registry_pid" || true
    token_registry "$BATS_TEST_TMPDIR/debian" debian
    run "$HPC" pull --no-https again.sif "docker://$token_registry/debian:latest"
    [ "$status" -eq 0 ]
    [ -z "$(find "$HPC_CACHEDIR" -name '*.tmp-*')" ]
    run "$HPC" exec again.sif cat /etc/debian_version
    [ "$status" -eq 0 ]
}

@test "a blob whose transfer breaks halfway is fetched again from its start" {
    token_registry "$(debian_layout)" debian --break-first 2
    run --separate-stderr "$HPC" pull --no-https x.sif "docker://$token_registry/debian:latest"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"; fetching sha256:"*" again"* ]]
    run "$HPC" exec x.sif cat /etc/debian_version
    [ "$status" -eq 0 ]
    [ -z "$(find "$HPC_CACHEDIR" -name '*.tmp-*')" ]
}

@test "a blob whose bytes are not its digest: 65, nothing cached or written" {
    token_registry "$OCI/crafted/digest-mismatch" bad
    run --separate-stderr "$HPC" pull --no-https bad.sif "docker://$token_registry/bad:latest"
    [ "$status" -eq 65 ]
    [[ "$stderr" == *"digest mismatch"* ]]
    [ ! -e bad.sif ]
    [ "$(cached sif)" -eq 0 ]
    [ -z "$(find "$HPC_CACHEDIR" -name '*.tmp-*')" ]
}

@test "exec docker:// builds once into the cache and runs the cached SIF; with the registry stopped it still runs" {
    own_registry
    "$REGISTRY_TOOL" push "$own_registry_dir" "oci:$OCI/crafted/multiarch:latest" multi:1
    port=$(cat "$own_registry_dir/port")
    ref=docker://127.0.0.1:$port/multi:1
    run --separate-stderr "$HPC" exec --no-https "$ref" cat /arch
    [ "$status" -eq 0 ]
    [ "$output" = "$(host_arch)" ]
    [[ "$stderr" == *"building the SIF of $ref"* ]]
    run --separate-stderr "$HPC" run --no-https "$ref" true
    [[ "$stderr" != *building* ]]
    "$REGISTRY_TOOL" stop "$own_registry_dir"
    # Resolved moments ago: not asked again.
    run --separate-stderr "$HPC" exec --no-https "$ref" cat /arch
    [ "$status" -eq 0 ]
    [ "$stderr" = "" ]
    # Resolved long ago: asked, and when the registry cannot answer, the tag's last image runs.
    touch -d '2 hours ago' "$HPC_CACHEDIR"/tags/*
    run --separate-stderr "$HPC" exec --no-https "$ref" cat /arch
    [ "$status" -eq 0 ]
    [ "$output" = "$(host_arch)" ]
    [[ "$stderr" == "hpc: warning: http://127.0.0.1:$port/v2/multi/manifests/1: cannot connect: "*"running the image $ref named when last asked, from the cache" ]]
    run "$HPC" inspect --no-https "$ref"
    [ "$status" -eq 0 ]
    # A pull asks the registry, and says it cannot.
    run --separate-stderr "$HPC" --quiet pull --no-https x.sif "$ref"
    [ "$status" -eq 69 ]
}

@test "build from docker:// and from Bootstrap: docker with Registry: and Namespace:" {
    run "$HPC" build --no-https direct.sif "docker://$PLAIN/multi:1"
    [ "$status" -eq 0 ]
    [ "$(image_cat direct.sif arch)" = "$(host_arch)" ]
    cat >app.def <<DEF
Bootstrap: docker
Registry: $PLAIN
Namespace: library
From: tiny:1

%post
    echo built >/built-here
DEF
    run "$HPC" build --no-https app.sif app.def
    [ "$status" -eq 0 ]
    run "$HPC" exec app.sif cat /built-here
    [ "$output" = built ]
}

@test "oras: push a SIF, pull it back byte for byte, run it by reference; Apptainer's media types" {
    cp "$APP_SIF" app.sif
    run --separate-stderr "$HPC" push --no-https app.sif "oras://$PLAIN/lab/app:v2"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"pushed app.sif to oras://$PLAIN/lab/app:v2 (sha256:"* ]]
    manifest=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$PLAIN/v2/lab/app/manifests/v2")
    python3 -c '
import json, sys
m = json.loads(sys.argv[1])
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json", m
assert m["config"]["mediaType"] == "application/vnd.sylabs.sif.config.v1+json", m
assert m["config"]["size"] == 2, m
[layer] = m["layers"]
assert layer["mediaType"] == "application/vnd.sylabs.sif.layer.v1.sif", m
assert layer["annotations"]["org.opencontainers.image.title"] == "app.sif", m
' "$manifest"
    run "$HPC" pull --no-https back.sif "oras://$PLAIN/lab/app:v2"
    [ "$status" -eq 0 ]
    cmp app.sif back.sif
    run "$HPC" exec --no-https "oras://$PLAIN/lab/app:v2" true
    [ "$status" -eq 0 ]
    # What is not a SIF is neither pushed nor pulled as one.
    run "$HPC" push --no-https "$APP_SQFS" "oras://$PLAIN/lab/app:sqfs"
    [ "$status" -eq 65 ]
    run --separate-stderr "$HPC" pull --no-https x.sif "oras://$PLAIN/tiny:1"
    [ "$status" -eq 65 ]
    [[ "$stderr" == *"holds no SIF"* ]]
}

@test "the site's [oci]: Docker Hub's short names through its mirror, a denied registry 77" {
    [ -n "${HPC_TEST_SITE_MIRROR:-}" ] || skip "this machine has a site configuration of its own"
    run --separate-stderr "$HPC" pull --no-https "docker://tiny:1"
    [ "$status" -eq 0 ]
    [ -f tiny_1.sif ]
    run "$HPC" cache list -v
    [[ "$output" == *"docker.io/library/tiny:1"* ]]
    run --separate-stderr "$HPC" pull --no-https x.sif "docker://denied.example.org/lab/x:1"
    [ "$status" -eq 77 ]
    [[ "$stderr" == *"is not allowed by the site"* ]]
}

@test "--disable-cache keeps nothing; cache list and clean see what pulls kept" {
    run "$HPC" pull --no-https --disable-cache x.sif "docker://$PLAIN/tiny:1"
    [ "$status" -eq 0 ]
    [ "$(cached blob)" -eq 0 ]
    run "$HPC" pull --no-https y.sif "docker://$PLAIN/tiny:1"
    [ "$(cached sif)" -eq 1 ]
    [ "$(cached blob)" -eq 3 ]
    run "$HPC" cache clean --force
    [ "$status" -eq 0 ]
    [ "$(cached blob)" -eq 0 ]
    [ "$(cached sif)" -eq 0 ]
}
