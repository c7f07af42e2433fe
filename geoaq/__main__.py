"""`python -m geoaq …`: the `geoaq` command, under the same name in its help and messages."""

from geoaq.cli import main
from geoaq.cli._common import PROG_NAME

if __name__ == "__main__":
    main(prog_name=PROG_NAME)
