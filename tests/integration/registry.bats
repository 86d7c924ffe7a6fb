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

setup() {
    [ -n "${HPC_TEST_REGISTRY:-}" ] && [ -n "${HPC_TEST_TLS_REGISTRY:-}" ] ||
        skip "no test registries: tests/integration/run starts them when started as root with registry.bats"
    work=$(scratch_dir)
    cd "$work"
}

teardown() {
    [ -z "${own_registry_dir:-}" ] || "$REGISTRY_TOOL" stop "$own_registry_dir"
}

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
    [ "$output" = '{"repositories":["debian","multi","tiny"]}' ]
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
