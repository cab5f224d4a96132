"""`python -m api`: the API server alone (the `mca api` command), without the rest of the command line."""

import logging

import typer

from api.commands import api_command

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    typer.run(api_command)
