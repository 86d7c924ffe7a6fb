#include "common/error.hpp"
#include "sandbox/plan/bind_spec.hpp"
#include "common/csv_list.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::sandbox::BindSpec;
using hpc::sandbox::parse_bind_list;
using hpc::sandbox::parse_mount_list;
using hpc::sandbox::parse_mount_spec;

namespace {

BindSpec bind(std::string source, std::string destination, bool read_only = false) {
    BindSpec spec;
    spec.source = std::move(source);
    spec.destination = std::move(destination);
    spec.read_only = read_only;
    return spec;
}

std::string usage_error(const std::function<void()>& parse) { return hpc::test::error_message(parse); }

std::string bind_error(std::string_view value) {
    return usage_error([&] { parse_bind_list(value); });
}

std::string mount_error(std::string_view value) {
    return usage_error([&] { parse_mount_list(value); });
}

}  // namespace

// Apptainer's own table (pkg/runtime/engine/apptainer/config/bind_test.go), case by case.
TEST_CASE("parse_bind_list: a source alone is bound at the same path") {
    CHECK(parse_bind_list("/opt") == std::vector{bind("/opt", "/opt")});
}

TEST_CASE("parse_bind_list: a comma list gives several binds, a trailing comma is nothing") {
    CHECK(parse_bind_list("/opt,/tmp") == std::vector{bind("/opt", "/opt"), bind("/tmp", "/tmp")});
    CHECK(parse_bind_list("/opt:/other,/tmp:/other2,") ==
          std::vector{bind("/opt", "/other"), bind("/tmp", "/other2")});
    CHECK(parse_bind_list(",,/opt,,").size() == 1);
    CHECK(parse_bind_list("").empty());
}

TEST_CASE("parse_bind_list: ro and rw options") {
    CHECK(parse_bind_list("/opt:/other:ro") == std::vector{bind("/opt", "/other", true)});
    CHECK(parse_bind_list("/opt:/other:rw") == std::vector{bind("/opt", "/other", false)});
    CHECK(parse_bind_list("/opt:/other:ro,/tmp:/other2:ro") ==
          std::vector{bind("/opt", "/other", true), bind("/tmp", "/other2", true)});
}

TEST_CASE("parse_bind_list: options split by the list's commas belong to the bind before them") {
    CHECK(parse_bind_list("/opt:/other:ro,rw") == std::vector{bind("/opt", "/other", true)});
    CHECK(parse_bind_list("/opt:/other:rw,ro,/tmp:/other2:ro,rw") ==
          std::vector{bind("/opt", "/other", true), bind("/tmp", "/other2", true)});
    CHECK(parse_bind_list("/opt:/other:rw,/tmp") == std::vector{bind("/opt", "/other"), bind("/tmp", "/tmp")});
    // Without an options field, "ro" is a path like any other.
    CHECK(parse_bind_list("/opt:/other,ro:/ro") == std::vector{bind("/opt", "/other"), bind("ro", "/ro")});
}

TEST_CASE("parse_bind_list: escaped commas and colons are part of the paths") {
    CHECK(parse_bind_list("/a\\,b:/c") == std::vector{bind("/a,b", "/c")});
    CHECK(parse_bind_list("/a\\:b") == std::vector{bind("/a:b", "/a:b")});
    CHECK(parse_bind_list("/x\\:y:/d\\,e\\:f:ro,/g") ==
          std::vector{bind("/x:y", "/d,e:f", true), bind("/g", "/g")});
    // Any other backslash is an ordinary character.
    CHECK(parse_bind_list("/a\\b") == std::vector{bind("/a\\b", "/a\\b")});
    CHECK(parse_bind_list("/a\\") == std::vector{bind("/a\\", "/a\\")});
}

TEST_CASE("parse_bind_list: blanks around paths and options are dropped") {
    CHECK(parse_bind_list(" /opt : /other : ro , /tmp ") ==
          std::vector{bind("/opt", "/other", true), bind("/tmp", "/tmp")});
    CHECK(parse_bind_list("/my dir:/in side") == std::vector{bind("/my dir", "/in side")});
}

TEST_CASE("parse_bind_list: a relative source is kept for the caller to resolve") {
    CHECK(parse_bind_list("data:/data") == std::vector{bind("data", "/data")});
    CHECK(parse_bind_list("./x:/x:ro") == std::vector{bind("./x", "/x", true)});
}

TEST_CASE("parse_bind_list: errors name the bind and the cause") {
    CHECK(bind_error("/opt:/other:invalid") == "bind '/opt:/other:invalid': unknown bind option 'invalid' (expected ro or rw)");
    CHECK(bind_error("/opt:/other:rw:invalid") ==
          "bind '/opt:/other:rw:invalid': too many ':' (expected src[:dst[:opts]]; write \\: for a colon in a path)");
    CHECK(bind_error(":/other") == "bind ':/other': empty source");
    CHECK(bind_error("/opt:") == "bind '/opt:': empty destination");
    CHECK(bind_error("/opt::ro") == "bind '/opt::ro': empty destination");
    CHECK(bind_error("/opt:/other:") == "bind '/opt:/other:': empty bind option (expected ro or rw)");
    CHECK(bind_error("/etc/hosts:relative") ==
          "bind '/etc/hosts:relative': the destination 'relative' must be an absolute path");
    CHECK(bind_error("data") ==
          "bind 'data': the destination 'data' must be an absolute path (a relative source needs a destination: "
          "src:/dst)");
    CHECK(bind_error(" /a\\:b : rel ") == "bind '/a\\:b : rel': the destination 'rel' must be an absolute path");
    CHECK(bind_error("/opt,/a:/b:ro,bogus:x") == "bind 'bogus:x': the destination 'x' must be an absolute path");
    // The first bad item of a list is the one named, whatever is wrong with a later one.
    CHECK(bind_error("/a:rel,/b:/c:ro:x") == "bind '/a:rel': the destination 'rel' must be an absolute path");
    CHECK(bind_error("/b:/c:ro:x,/a:rel") ==
          "bind '/b:/c:ro:x': too many ':' (expected src[:dst[:opts]]; write \\: for a colon in a path)");
}

// An image bind: what `source` with image-src and id gives.
BindSpec image_bind(std::string source, std::string destination, std::string image_source,
                    std::optional<uint32_t> id = std::nullopt) {
    BindSpec spec = bind(std::move(source), std::move(destination), true);
    spec.image_source = std::move(image_source);
    spec.image_id = id;
    return spec;
}

TEST_CASE("parse_bind_list: image-src and id bind a path inside an image file, read-only") {
    CHECK(parse_bind_list("data.sqfs:/data:image-src=/sub") ==
          std::vector<BindSpec>{image_bind("data.sqfs", "/data", "/sub")});
    CHECK(parse_bind_list("test.sif:/other:rw,id=2") == std::vector<BindSpec>{image_bind("test.sif", "/other", "/", 2)});
    CHECK(parse_bind_list("test.sif:/other:id=3,image-src=/opt,/b") ==
          std::vector<BindSpec>{image_bind("test.sif", "/other", "/opt", 3), bind("/b", "/b")});
    CHECK(bind_error("data.sqfs:/data:image-src=sub") ==
          "bind 'data.sqfs:/data:image-src=sub': image-src takes an absolute path inside the image, not 'sub'");
    CHECK(bind_error("test.sif:/other:id=two") == "bind 'test.sif:/other:id=two': id takes a SIF object id (1, 2, ...), not 'two'");
    CHECK(bind_error("test.sif:/other:id=0") == "bind 'test.sif:/other:id=0': id takes a SIF object id (1, 2, ...), not '0'");
    CHECK(bind_error("test.sif:/other:id=99999999") ==
          "bind 'test.sif:/other:id=99999999': id takes a SIF object id (1, 2, ...), not '99999999'");
}

// Apptainer's --mount table (pkg/runtime/engine/apptainer/config/mount_test.go).
TEST_CASE("parse_mount_spec: source and destination under their several names") {
    CHECK(parse_mount_spec("type=bind,source=/opt,destination=/opt") == bind("/opt", "/opt"));
    CHECK(parse_mount_spec("type=bind,src=/opt,destination=/dst") == bind("/opt", "/dst"));
    CHECK(parse_mount_spec("type=bind,source=/opt,dst=/dst") == bind("/opt", "/dst"));
    CHECK(parse_mount_spec("type=bind,source=/opt,target=/dst") == bind("/opt", "/dst"));
    CHECK(parse_mount_spec("source=/opt,destination=/dst") == bind("/opt", "/dst"));
    CHECK(parse_mount_spec("destination=/dst,source=rel/dir") == bind("rel/dir", "/dst"));
    CHECK(parse_mount_spec("source=/a,destination=/b,source=/c") == bind("/c", "/b"));
}

TEST_CASE("parse_mount_spec: readonly, ro and Docker's true/false values") {
    CHECK(parse_mount_spec("type=bind,source=/opt,destination=/opt,ro") == bind("/opt", "/opt", true));
    CHECK(parse_mount_spec("type=bind,source=/opt,destination=/opt,readonly") == bind("/opt", "/opt", true));
    CHECK(parse_mount_spec("source=/opt,destination=/opt,readonly=true") == bind("/opt", "/opt", true));
    CHECK(parse_mount_spec("source=/opt,destination=/opt,ro=1") == bind("/opt", "/opt", true));
    CHECK(parse_mount_spec("source=/opt,destination=/opt,readonly=false") == bind("/opt", "/opt", false));
    CHECK(parse_mount_spec("source=/opt,destination=/opt,ro=0") == bind("/opt", "/opt", false));
    CHECK(mount_error("source=/opt,destination=/opt,ro=yes") ==
          "mount 'source=/opt,destination=/opt,ro=yes': 'ro' takes true or false, not 'yes'");
}

TEST_CASE("parse_mount_spec: nonested is accepted and changes nothing") {
    CHECK(parse_mount_spec("type=bind,source=/opt,destination=/hostopt,nonested") == bind("/opt", "/hostopt"));
}

TEST_CASE("parse_mount_spec: CSV quoting lets paths hold commas and quotes") {
    CHECK(parse_mount_spec(R"(type=bind,"source=/comma,dir","destination=/quote""dir")") ==
          bind("/comma,dir", "/quote\"dir"));
    CHECK(parse_mount_spec(R"("type=bind","src=/a:b","dst=/c d")") == bind("/a:b", "/c d"));
}

TEST_CASE("parse_mount_list: one mount per line, blank lines and CRLF included") {
    CHECK(parse_mount_list("type=bind,source=/opt,destination=/opt\ntype=bind,source=/srv,destination=/srv,ro") ==
          std::vector{bind("/opt", "/opt"), bind("/srv", "/srv", true)});
    CHECK(parse_mount_list("\nsource=/a,dst=/b\r\n\r\nsource=/c,dst=/d\n") ==
          std::vector{bind("/a", "/b"), bind("/c", "/d")});
    CHECK(parse_mount_list(R"("source=/two
lines",dst=/x)") == std::vector{bind("/two\nlines", "/x")});
    CHECK(parse_mount_list("").empty());
}

TEST_CASE("parse_mount_spec: errors") {
    CHECK(mount_error("type=bind,source=/opt") == "mount 'type=bind,source=/opt': a mount needs a source and a destination");
    CHECK(mount_error("type=bind,destination=/opt") ==
          "mount 'type=bind,destination=/opt': a mount needs a source and a destination");
    CHECK(mount_error("type=bind,source=,destination=/opt") == "mount 'type=bind,source=,destination=/opt': empty source");
    CHECK(mount_error("type=bind,source=/opt,destination=") ==
          "mount 'type=bind,source=/opt,destination=': empty destination");
    CHECK(mount_error("type=potato,source=/opt,destination=/opt") ==
          "mount 'type=potato,source=/opt,destination=/opt': unsupported mount type 'potato' (only bind is supported)");
    CHECK(mount_error("type=bind,source=/opt,destination=/opt,color=turquoise") ==
          "mount 'type=bind,source=/opt,destination=/opt,color=turquoise': unknown key 'color' (expected type, source, "
          "destination, readonly, image-src or id)");
    CHECK(mount_error("type=bind,source=/opt,destination=/opt,bind-propagation=shared") ==
          "mount 'type=bind,source=/opt,destination=/opt,bind-propagation=shared': bind-propagation is not supported "
          "for individual mounts");
    CHECK(parse_mount_spec("type=bind,source=test.sif,destination=/opt,image-src=/opt,id=2") ==
          image_bind("test.sif", "/opt", "/opt", 2));
    CHECK(mount_error("type=bind,source=test.sif,destination=/opt,image-src=opt") ==
          "mount 'type=bind,source=test.sif,destination=/opt,image-src=opt': image-src takes an absolute path inside "
          "the image, not 'opt'");
    CHECK(mount_error("source=/opt,destination=rel") ==
          "mount 'source=/opt,destination=rel': the destination 'rel' must be an absolute path");
    // Leading blanks are part of the key, as in Docker and Apptainer.
    CHECK(mount_error("source=/opt, destination=/opt") ==
          "mount 'source=/opt, destination=/opt': unknown key ' destination' (expected type, source, destination, "
          "readonly, image-src or id)");
    CHECK(mount_error(R"(source=/o"pt,dst=/x)") ==
          "mount 'source=/o\"pt,dst=/x': a double quote inside a field that does not start with one (column 10)");
    CHECK(mount_error("\"source=/opt,dst=/x") ==
          "mount '\"source=/opt,dst=/x': a quoted field has no closing double quote (column 1)");
    CHECK(usage_error([] { parse_mount_spec("src=/a,dst=/b\nsrc=/c,dst=/d"); }) ==
          "mount 'src=/a,dst=/b\nsrc=/c,dst=/d': expected one mount, found 2");
    CHECK(mount_error(",dst=/x") == "mount ',dst=/x': unknown key '' (expected type, source, destination, readonly, image-src or id)");
    CHECK(usage_error([] { parse_mount_spec(""); }) == "mount '': expected one mount, found 0");
}

TEST_CASE("parse_csv_records follows Go's encoding/csv") {
    using hpc::CsvRecord;
    using hpc::parse_csv_records;
    CHECK(parse_csv_records("a,b,\n") == std::vector<CsvRecord>{CsvRecord{"a", "b", ""}});
    CHECK(parse_csv_records(",") == std::vector<CsvRecord>{CsvRecord{"", ""}});
    CHECK(parse_csv_records("\"a\"\"b\",\"\"") == std::vector<CsvRecord>{CsvRecord{"a\"b", ""}});
    CHECK(parse_csv_records("\"x\r\ny\"") == std::vector<CsvRecord>{CsvRecord{"x\ny"}});
    CHECK(parse_csv_records("a\rb") == std::vector<CsvRecord>{CsvRecord{"a\rb"}});
    CHECK(usage_error([] { parse_csv_records("a,\"b\"c"); }) ==
          "text after the closing double quote of a field (a quote inside a quoted field is written \"\") (column 6)");
    CHECK(usage_error([] { parse_csv_records("ok\na, \"b\""); }) ==
          "a double quote inside a field that does not start with one (line 2, column 4)");
}

TEST_CASE("parse_csv_fields keeps newlines outside quotes as characters") {
    using hpc::CsvRecord;
    using hpc::parse_csv_fields;
    CHECK(parse_csv_fields("A=1\n2,\"B=3,4\"") == CsvRecord{"A=1\n2", "B=3,4"});
    CHECK(parse_csv_fields("").empty());
}
