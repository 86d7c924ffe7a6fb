// The environment scripts hpc's builds write, recognised word for word and nothing else.
#include "sandbox/environment/known_scripts.hpp"

#include <catch2/catch.hpp>

using namespace hpc::sandbox;
using Kind = KnownScript::Kind;

namespace {

std::optional<Kind> kind_of(std::string_view name, std::string_view content) {
    std::optional<KnownScript> script = recognise_script(name, content);
    return script ? std::optional<Kind>(script->kind) : std::nullopt;
}

const std::vector<DockerEnvEntry> odd_entries = {
    {"PATH", "/opt/conda/bin:/usr/bin", false},
    {"LANG", "C.UTF-8", true},
    {"EMPTY", "", true},
    {"QUOTES", "it's \"quoted\" and '' twice", true},
    {"LINES", "one\ntwo\n", true},
    {"DOLLARS", "$HOME ${X:-y} $(id) `id` \\ end\\", true},
    {"OUTRIGHT", "x", false},
};

}  // namespace

TEST_CASE("known scripts: each base script under its own name, and only there") {
    CHECK(kind_of("01-base.sh", base_script) == Kind::nothing);
    CHECK(kind_of("90-environment.sh", environment_section_script) == Kind::nothing);
    CHECK(kind_of("99-base.sh", library_and_prompt_script) == Kind::library_and_prompt);
    CHECK(kind_of("99-runtimevars.sh", runtime_vars_script) == Kind::runtime_vars);
    CHECK_FALSE(kind_of("50-base.sh", base_script));
    CHECK_FALSE(kind_of("99-base.sh", runtime_vars_script));
    CHECK_FALSE(kind_of("01-base.sh", library_and_prompt_script));
}

TEST_CASE("known scripts: a byte changed, added or taken away, or a %environment section, is not hpc's") {
    std::string section = std::string(environment_section_script) + "\nexport FOO=bar\n";
    CHECK_FALSE(kind_of("90-environment.sh", section));
    std::string edited(library_and_prompt_script);
    edited[edited.find("hpc> ")] = 'H';
    CHECK_FALSE(kind_of("99-base.sh", edited));
    CHECK_FALSE(kind_of("99-base.sh", std::string(library_and_prompt_script) + "\n"));
    CHECK_FALSE(kind_of("99-base.sh", std::string(library_and_prompt_script).substr(1)));
    CHECK_FALSE(kind_of("01-base.sh", ""));
}

TEST_CASE("known scripts: the Env script reads back the entries it was written from") {
    std::string script = docker_env_script(odd_entries);
    std::optional<KnownScript> read = recognise_script("10-docker2singularity.sh", script);
    REQUIRE(read);
    CHECK(read->kind == Kind::docker_env);
    CHECK(read->entries == odd_entries);
    std::optional<KnownScript> none = recognise_script("10-docker2singularity.sh", docker_env_script({}));
    REQUIRE(none);
    CHECK(none->entries.empty());
    CHECK_FALSE(recognise_script("10-docker.sh", script));
}

TEST_CASE("known scripts: an Env script that is not exactly hpc's grammar goes to the shell") {
    const std::string header = docker_env_script({});
    for (const std::string& body : {
             std::string("[ -n \"${A:-}\" ] || B='x'\nexport B\n"),  // the test names another
             std::string("[ -n \"${A:-}\" ] || A='x'\nexport B\n"),  // exports another
             std::string("[ -n \"${A:-}\" ] || A='x'\n"),            // no export
             std::string("A='x\nexport A\n"),                        // the quote never closes
             std::string("A=x\nexport A\n"),                         // not quoted
             std::string("A='x' B='y'\nexport A\n"),                 // two assignments
             std::string("A='x'\nexport A\necho hi\n"),              // a command
             std::string("A='x'\nexport A"),                         // the last newline missing
             std::string("1A='x'\nexport 1A\n"),                     // no shell name
             std::string("A=\"x\"\nexport A\n"),                     // double quotes
             std::string("A='x'\\''\nexport A\n"),                   // '\'' opens a quote never closed
         }) {
        INFO(body);
        CHECK_FALSE(recognise_script("10-docker2singularity.sh", header + body));
    }
    CHECK(recognise_script("10-docker2singularity.sh", header + "A='x'\\'''\nexport A\n"));
    CHECK_FALSE(recognise_script("10-docker2singularity.sh", "#!/bin/sh\nA='x'\nexport A\n"));  // another header
}

TEST_CASE("known scripts: a script larger than the bound is not read as one") {
    std::vector<DockerEnvEntry> many;
    for (int i = 0; i < 2000; ++i) many.push_back({"V" + std::to_string(i), std::string(40, 'x'), true});
    std::string script = docker_env_script(many);
    REQUIRE(script.size() > max_known_script_bytes);
    CHECK_FALSE(recognise_script("10-docker2singularity.sh", script));
}

TEST_CASE("known scripts: a name or size that cannot be hpc's is not read") {
    CHECK(may_be_known_script("01-base.sh", base_script.size()));
    CHECK_FALSE(may_be_known_script("01-base.sh", base_script.size() + 1));
    CHECK(may_be_known_script("99-base.sh", library_and_prompt_script.size()));
    CHECK(may_be_known_script("99-runtimevars.sh", runtime_vars_script.size()));
    CHECK(may_be_known_script("90-environment.sh", environment_section_script.size()));
    CHECK_FALSE(may_be_known_script("90-environment.sh", environment_section_script.size() + 20));
    std::string docker = docker_env_script(odd_entries);
    CHECK(may_be_known_script("10-docker2singularity.sh", docker.size()));
    CHECK_FALSE(may_be_known_script("10-docker2singularity.sh", 5));
    CHECK_FALSE(may_be_known_script("10-docker2singularity.sh", max_known_script_bytes + 1));
    CHECK_FALSE(may_be_known_script("95-apps.sh", 10));
    // every script recognise_script knows passes
    for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
             {"01-base.sh", std::string(base_script)},
             {"90-environment.sh", std::string(environment_section_script)},
             {"99-base.sh", std::string(library_and_prompt_script)},
             {"99-runtimevars.sh", std::string(runtime_vars_script)},
             {"10-docker2singularity.sh", docker}}) {
        INFO(name);
        CHECK(recognise_script(name, text));
        CHECK(may_be_known_script(name, text.size()));
    }
}
