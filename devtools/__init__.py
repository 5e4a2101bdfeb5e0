"""Development tooling, outside the portal's code: find or start the services (`services`), the
local mail sink (`mailsink`) and the foreground runner of `make run` (`run`). Its dependencies
are the `dev` extra of pyproject.toml, which production images do not install."""
