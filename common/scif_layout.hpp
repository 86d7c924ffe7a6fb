// Where SCIF apps live in an image, as Apptainer lays them out (internal/pkg/build/apps/apps.go,
// the Scientific Filesystem's spec): /scif/apps/NAME for an app's files (bin/ and lib/ among them),
// /scif/apps/NAME/scif for its metadata (runscript, test, labels.json, runscript.help, env/), and
// /scif/data/NAME/{input,output} for its data. The definition parser, the builder, the launch
// and inspect all need these names; here they are once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::scif {

inline constexpr std::string_view apps_directory = "/scif/apps";
inline constexpr std::string_view data_directory = "/scif/data";

// The files of an app's metadata folder, relative to it.
inline constexpr std::string_view runscript_file = "runscript";
inline constexpr std::string_view startscript_file = "startscript";
inline constexpr std::string_view test_file = "test";
inline constexpr std::string_view help_file = "runscript.help";
inline constexpr std::string_view labels_file = "labels.json";
inline constexpr std::string_view base_environment_file = "env/01-base.sh";  // the SCIF_* variables
inline constexpr std::string_view environment_file = "env/90-environment.sh";  // %appenv

// Where the variables of every app (SCIF_APPROOT_NAME, ...) are set for every launch.
inline constexpr std::string_view apps_environment_script = "/.singularity.d/env/94-appsbase.sh";
// The script of Apptainer's images that sets up the active app; hpc does its work itself.
inline constexpr std::string_view active_app_script_name = "95-apps.sh";

// Bounds: a definition, or an image's /scif/apps, with more apps than this is refused. Apps are
// entry points a person writes, a handful in the images known.
inline constexpr std::size_t max_apps = 256;
inline constexpr std::size_t max_name_bytes = 64;

// Whether `name` can name an app: one path component of letters, digits, '_', '.' and '-', not
// starting with '.' or '-' (no "..", no hidden folder, nothing an option parser would take), at
// most max_name_bytes. Apptainer takes any word, and writes it into paths unchecked.
bool is_app_name(std::string_view name);
// Why a name is refused, for "--app NAME: <this>" and the definition's messages.
inline constexpr std::string_view app_name_rule =
    "an app's name is letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 64 bytes";

std::string app_root(std::string_view name);  // /scif/apps/NAME
std::string app_meta(std::string_view name);  // /scif/apps/NAME/scif
std::string app_data(std::string_view name);  // /scif/data/NAME
std::string app_meta_file(std::string_view name, std::string_view file);  // /scif/apps/NAME/scif/FILE

// The variables of the active app, in order, as NAME=VALUE pairs: Apptainer's 01-base.sh and
// 95-apps.sh set SCIF_APPNAME, SCIF_APPS, SCIF_APPROOT, SCIF_APPMETA, SCIF_DATA, SCIF_APPDATA,
// SCIF_APPINPUT and SCIF_APPOUTPUT; SCIF_APPBIN and SCIF_APPLIB are those its inspect help lists.
std::vector<std::pair<std::string, std::string>> active_app_variables(std::string_view name);

// The app's name as the end of a variable's name (SCIF_APPROOT_NAME): each byte other than a
// letter, a digit or '_' becomes '_', as Apptainer writes it.
std::string variable_suffix(std::string_view name);

}  // namespace hpc::scif
