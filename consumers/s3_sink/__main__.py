"""`python -m consumers.s3_sink [--pattern REGEX]`: the s3-sink alone, without the rest of the CLI."""

import logging

import typer

from consumers.s3_sink.commands import s3_sink_command

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    typer.run(s3_sink_command)
