"""Moving files to and from a plan's sFTP server: profiles from the configuration file, host keys checked
against known_hosts, uploads that the plan never sees half-written, downloads that never overwrite, and a
local log of every upload. Nothing here imports typer: the commands in `calaimfiles.commands` drive it."""

import logging

# paramiko logs what it sees of a broken connection ("Socket exception: Connection reset by peer") at ERROR; with no
# handler anywhere, Python prints that raw line on stderr beside our own one-sentence message. A handler of its own
# keeps it off stderr; a program that configures logging still receives it.
logging.getLogger("paramiko").addHandler(logging.NullHandler())
