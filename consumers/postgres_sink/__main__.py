"""`python -m consumers.postgres_sink`: the sink alone, without the rest of the `mca` command line."""

import logging

import typer

from consumers.postgres_sink.commands import postgres_sink_command

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    typer.run(postgres_sink_command)
