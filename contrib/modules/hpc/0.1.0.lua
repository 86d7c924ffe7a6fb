-- Lmod module for hpc 0.1.0, installed with `cmake --install build --prefix /opt/hpc/0.1.0`
-- (or by Spack: `spack module lmod refresh hpc` writes one of its own). Put this file in a
-- directory of MODULEPATH as hpc/0.1.0.lua; see contrib/README.md.

local version = "0.1.0"
local base = pathJoin("/opt/hpc", version)

whatis("Name: hpc")
whatis("Version: " .. version)
whatis("Description: run container images (SIF, squashfs, directories) as yourself")

help([[
hpc runs Apptainer's SIF images, squashfs images and directories as you, with no setuid
program and no daemon:

  hpc exec app.sif python3 train.py
  hpc help exec        (or: man hpc-exec)
]])

prepend_path("PATH", pathJoin(base, "bin"))
-- man finds share/man beside each bin of PATH by itself while MANPATH is unset (manpath(5));
-- set, man searches what it names (its defaults only at an empty element), so it must name it.
if os.getenv("MANPATH") ~= nil then
    prepend_path("MANPATH", pathJoin(base, "share/man"))
end
-- bash-completion finds share/bash-completion/completions/hpc through XDG_DATA_DIRS. Unset, the
-- variable stands for /usr/local/share:/usr/share: those are set first, so that nothing is lost
-- (and stay after an unload, which is the same as unset).
if os.getenv("XDG_DATA_DIRS") == nil then
    append_path("XDG_DATA_DIRS", "/usr/local/share")
    append_path("XDG_DATA_DIRS", "/usr/share")
end
prepend_path("XDG_DATA_DIRS", pathJoin(base, "share"))
