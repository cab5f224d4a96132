"""`python -m infra.registry serve --host H --port P --bootstrap B [--topic T] [--replication-factor N]`."""

from infra.registry.commands import registry_app

if __name__ == "__main__":
    registry_app(prog_name="python -m infra.registry")
