// Finding a user's instances on this host: their folder (instance/instance_directory.hpp) under
// the user's home, and the host's /proc to check them against.
#pragma once

#include "common/unique_fd.hpp"
#include "instance/instance_directory.hpp"
#include "instance/running_instance.hpp"

#include <string>

namespace hpc::cmd {

// The instances of `user` (a user name; empty: the caller) on this host. Only root may name
// another user (Apptainer's --user): throws hpc::Error(denied) otherwise, no_input for an
// unknown user.
instance::InstanceDirectory instances_of(const std::string& user = "");

// The caller's user name (its uid when it has none).
std::string own_user_name();

// The host's /proc, open. Throws hpc::Error(os).
UniqueFd open_proc();

// The running instance `name` of `directory`. Throws hpc::Error(no_input) when there is none.
instance::RunningInstance running_instance(const instance::InstanceDirectory& directory, const std::string& name,
                                           int proc);

}  // namespace hpc::cmd
