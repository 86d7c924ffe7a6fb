#!/usr/bin/env bats
# The user's guide's walkthrough (docs/user-guide.md), run as written: every "$ " command of its
# console blocks in order, as the ordinary user, in an empty directory, its output compared with
# the guide's (guide-walkthrough says how). A guide whose commands or outputs drift from hpc fails.
load common

setup() {
    work=$(scratch_dir)
    walkthrough=$BATS_TEST_DIRNAME/guide-walkthrough
    # tests/integration/run copies the guide beside the tests; from a checkout it is in docs/.
    guide=$BATS_TEST_DIRNAME/user-guide.md
    [ -f "$guide" ] || guide=$BATS_TEST_DIRNAME/../../docs/user-guide.md
}

@test "the user's guide walkthrough: each command in order prints what the guide shows" {
    mkdir "$work/walk"
    run "$walkthrough" run "$guide" "$HPC" "$work/walk"
    [ "$status" -eq 0 ]
}

@test "the walkthrough is a definition file, build, run, exec with a bind and inspect" {
    run "$walkthrough" list "$guide"
    [ "$status" -eq 0 ]
    [[ $output == *"file app.def"* ]]
    [[ $output == *"command hpc build app.sif app.def"* ]]
    [[ $output == *"command hpc run app.sif"* ]]
    [[ $output == *"command hpc exec --bind "* ]]
    [[ $output == *"command hpc inspect app.sif"* ]]
    # The definition file is written before the build that reads it.
    [ "$(grep -n 'file app.def' <<<"$output" | cut -d: -f1)" -lt \
      "$(grep -n 'command hpc build app.sif app.def' <<<"$output" | cut -d: -f1)" ]
}

@test "the walkthrough check passes a matching guide: literal lines, '...' lines and '...' in a line, files" {
    cat >"$work/guide.md" <<'GUIDE'
Prose, and a block that is not a walkthrough:
```
$ not run
```
```text file=note.txt
first line
  indented [1] *
```
```console
$ cat note.txt
first line
  indented [1] *
$ printf 'a\nb\nc\nd\n'
a
...
d
$ echo "one two three" \
    four
one ... four
$ true
```
GUIDE
    mkdir "$work/walk"
    run "$walkthrough" run "$work/guide.md" "$HPC" "$work/walk"
    [ "$status" -eq 0 ]
    run "$walkthrough" list "$work/guide.md"
    [ "${lines[0]}" = "file note.txt" ]
    [ "${lines[1]}" = "command cat note.txt" ]
    [ "${#lines[@]}" -eq 6 ]  # four commands, one of them on two lines, and the file
}

# drifts GUIDE_TEXT: the check of a guide made of GUIDE_TEXT fails, naming its line 2.
drifts() {
    printf '%s\n' "$1" >"$work/drift.md"
    rm -rf "$work/walk" && mkdir "$work/walk"
    run "$walkthrough" run "$work/drift.md" "$HPC" "$work/walk"
    [ "$status" -eq 1 ]
    [[ ${lines[0]} == "guide-walkthrough: $work/drift.md:2: \$ "* ]]
}

@test "the walkthrough check fails on another output, a missing or extra line, a failing command" {
    drifts $'```console\n$ echo one\ntwo\n```'
    [[ $output == *"printed other output"* ]]
    drifts $'```console\n$ echo one\none\ntwo\n```'
    drifts $'```console\n$ printf "one\\ntwo\\n"\none\n```'
    drifts $'```console\n$ echo one\n...\ntwo\n```'
    drifts $'```console\n$ echo "a*b"\naXb\n```'
    drifts $'```console\n$ false\n```'
    [[ $output == *"exited with status 1"* ]]
    drifts $'```console\n$ hpc exec /nonexistent.sif true\n...\n```'
    [[ $output == *"exited with status 66"* ]]
}

@test "the walkthrough check refuses a guide it cannot read as a walkthrough" {
    printf 'no blocks at all\n' >"$work/none.md"
    run "$walkthrough" run "$work/none.md" "$HPC" "$work"
    [ "$status" -eq 65 ]
    printf '```console\noutput before a command\n```\n' >"$work/orphan.md"
    run "$walkthrough" run "$work/orphan.md" "$HPC" "$work"
    [ "$status" -eq 65 ]
    [[ $output == *"orphan.md:2: an output line before any"* ]]
    printf '```console\n$ true\n' >"$work/open.md"
    run "$walkthrough" run "$work/open.md" "$HPC" "$work"
    [ "$status" -eq 65 ]
    [[ $output == *"a block is not closed"* ]]
}
