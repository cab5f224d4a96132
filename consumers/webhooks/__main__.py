"""`python -m consumers.webhooks`: the webhook loops alone, without the rest of the `mca` command line."""

import logging

import typer

from consumers.webhooks.commands import webhooks_command

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    typer.run(webhooks_command)
