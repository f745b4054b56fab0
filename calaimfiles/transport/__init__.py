"""Moving files to and from a plan's sFTP server: profiles from the configuration file, host keys checked
against known_hosts, uploads that the plan never sees half-written, downloads that never overwrite, and a
local log of every upload. Nothing here imports typer: the commands in `calaimfiles.commands` drive it."""
