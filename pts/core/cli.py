"""What the `pts` command (pts/cli.py) and its sub-commands in the apps share."""


class UsageError(Exception):
    """A bad command-line argument: printed without a traceback, exit status 2."""
